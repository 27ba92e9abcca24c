// The other entries: stores, the emulator and metrics (typed without prom-client).
import { createCioClient } from 'customerio-resilience';
import { cioMetrics, healthResponse, type CioMetrics } from 'customerio-resilience/metrics';
import { bullmqQueue, redisIdempotencyStore } from 'customerio-resilience/redis';
import { sqliteQueue } from 'customerio-resilience/sqlite';
import { startCioEmulator } from 'customerio-resilience/testing';

export async function rehearse(): Promise<string> {
  const emu = await startCioEmulator({ siteId: 's', apiKey: 'k' });
  const cio = createCioClient({ siteId: 's', apiKey: 'k', trackUrl: emu.trackUrl, queue: sqliteQueue({ path: './queue.sqlite' }) });
  emu.fault({ status: 503, times: 2 });
  const metrics: CioMetrics = cioMetrics(cio);
  const text = await metrics.metrics();
  void healthResponse(cio).status;
  await cio.close();
  await emu.close();
  return text;
}

export function fleet(): void {
  const connection = { host: '127.0.0.1', port: 6379 };
  createCioClient({ siteId: 's', apiKey: 'k', queue: bullmqQueue({ connection, name: 'customerio' }), idempotency: redisIdempotencyStore({ connection }) });
}
