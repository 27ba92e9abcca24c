/**
 * Backlog drain after an outage: 10 000 queued events delivered through the Track v2 batch
 * endpoint, versus one request per event, both under a 100 requests/s client-side rate limit
 * (burst 1, so the limit binds from the first request). Target: the batched drain under 10 s and
 * at least 10 times the one-request-per-event rate.
 */
import { createCioClient } from '../src/client/createCioClient.js';
import { silentLogger } from '../src/client/logger.js';
import { memoryQueue } from '../src/stores/memory/memoryQueue.js';
import { startCioEmulator } from '../src/testing/index.js';
import { fmt, median, table, verdict } from './stats.js';

interface DrainRun {
  events: number;
  seconds: number;
  requests: number;
}

async function drainOnce(events: number, batchSize: number): Promise<DrainRun> {
  const emu = await startCioEmulator({ siteId: 's', apiKey: 'k' });
  const cio = createCioClient({
    siteId: 's',
    apiKey: 'k',
    trackUrl: emu.trackUrl,
    logger: silentLogger,
    queue: memoryQueue({ maxSize: events }),
    rateLimit: { perSecond: 100, burst: 1 },
    drain: { enabled: false, batchSize },
  });
  // The outage: the circuit is held open, so every call goes straight to the queue.
  const outage = cio.isolate();
  for (let i = 0; i < events; i++) {
    const r = await cio.track(`person-${i % 1000}`, { name: 'page_viewed', data: { i } });
    if (r.status !== 'queued') throw new Error(`expected queued, got ${r.status}`);
  }
  outage.dispose();
  const started = performance.now();
  const result = await cio.flush({ timeoutMs: 600_000 });
  const seconds = (performance.now() - started) / 1000;
  if (result.remaining !== 0 || emu.events.length !== events || emu.duplicates !== 0) {
    throw new Error(`drain incomplete: ${JSON.stringify(result)}, ${emu.events.length} events, ${emu.duplicates} duplicates`);
  }
  const requests = emu.requests.length;
  await cio.close({ timeoutMs: 0 });
  await emu.close();
  return { events, seconds, requests };
}

/** Runs the drain benchmark and prints its figures. Returns whether the targets are met. */
export async function benchDrain(runs = 3): Promise<boolean> {
  const batched: DrainRun[] = [];
  const single: DrainRun[] = [];
  for (let i = 0; i < runs; i++) batched.push(await drainOnce(10_000, 100));
  // One request per event at 100/s would take 100 s for 10 000: measure the rate on 500.
  for (let i = 0; i < runs; i++) single.push(await drainOnce(500, 1));
  const bSeconds = median(batched.map((r) => r.seconds));
  const bRate = median(batched.map((r) => r.events / r.seconds));
  const sRate = median(single.map((r) => r.events / r.seconds));
  const ratio = bRate / sRate;
  table(`Backlog drain after an outage (rate limit 100 req/s, burst 1; median of ${runs})`, [
    ['batched (v2 batch of 100)', `${fmt(batched[0]!.events)} events in ${fmt(bSeconds, 2)} s = ${fmt(bRate)} events/s, ${batched[0]!.requests} requests`],
    ['one request per event', `${fmt(sRate)} events/s (${fmt(single[0]!.events)} events, ${single[0]!.requests} requests)`],
    ['ratio batched / single', `${fmt(ratio, 1)}x`],
    ['target: 10 000 in < 10 s', verdict(bSeconds < 10)],
    ['target: ratio >= 10', verdict(ratio >= 10)],
  ]);
  return bSeconds < 10 && ratio >= 10;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchDrain();
}
