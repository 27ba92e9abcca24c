import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createCioClient, type CioClient } from '../../src/index.js';
import { EMULATOR_DEFAULTS, startCioEmulator, type CioEmulator } from '../../src/testing/index.js';
import type { Request } from 'express';
import { cioConsoleRouter } from '../../src/http/express.js';
import { createApp } from '../express-app.js';
import { chartSvg } from './chart.js';
import { createDisplay, type Display } from './display.js';
import { fileLogger } from './fileLogger.js';
import { computeLedger } from './ledger.js';
import { Meter } from './meter.js';
import type { DemoOptions } from './options.js';
import { ledgerText, verdictText } from './report.js';
import { openStore } from './stores.js';
import { story, type Phase } from './story.js';
import { TrafficGenerator } from './traffic.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Runs a phase's steps at their times, then waits out the phase. */
async function play(phase: Phase, emu: CioEmulator, meter: Meter, display: Display): Promise<void> {
  const start = performance.now();
  for (const step of phase.steps) {
    await sleep(start + step.atMs - performance.now());
    await step.apply(emu);
    display.log(`  ${meter.elapsed().toFixed(1).padStart(5)} s  Customer.io: ${step.note}`);
  }
  await sleep(start + phase.ms - performance.now());
}

/** Waits (bounded) until the queue is empty and the circuit closed. Resolves whether it got there. */
async function drained(cio: CioClient, maxMs: number): Promise<boolean> {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const h = cio.health();
    if (h.queue.depth === 0 && h.circuit_state === 'CLOSED') return true;
    if (performance.now() >= deadline) return false;
    await sleep(100);
  }
}

/** What the app's own health route answers now. */
async function healthRoute(base: string): Promise<string> {
  try {
    const res = await fetch(`${base}/health/customerio`);
    const body = (await res.json()) as { customerio?: { circuit_state?: string; queue?: { depth?: number } } };
    return `GET /health/customerio → ${res.status} (circuit ${body.customerio?.circuit_state ?? '?'}, ${body.customerio?.queue?.depth ?? '?'} queued)`;
  } catch (err) {
    return `GET /health/customerio failed: ${String(err)}`;
  }
}

/** The whole demo. Resolves the exit code: 0 only when nothing was lost or duplicated. */
export async function runDemo(o: DemoOptions): Promise<number> {
  const runId = Date.now().toString(36);
  const outDir = resolve(o.outDir);
  await mkdir(outDir, { recursive: true });
  const plot = story(o.fast);
  const display = createDisplay(process.stdout);
  const store = await openStore(o.store, outDir, o.redisUrl, runId);
  const logger = fileLogger(join(outDir, 'client.log'));
  const emu = await startCioEmulator();
  const cio = createCioClient({
    siteId: EMULATOR_DEFAULTS.siteId,
    apiKey: EMULATOR_DEFAULTS.apiKey,
    trackUrl: emu.trackUrl,
    appUrl: emu.appUrl,
    timeoutMs: 1000,
    retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 2000 },
    breaker: { threshold: 5, halfOpenAfterMs: plot.halfOpenAfterMs },
    drain: { intervalMs: 250, batchSize: 100 },
    queue: store.queue,
    logger,
  });
  const app = createApp(cio);
  // The operations console. A local demo's guard: requests from this machine only.
  const local = (req: Request): boolean => ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
  app.use('/ops/customerio', cioConsoleRouter(cio, { guard: local, title: `outage demo (${o.store} queue)` }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  display.log('customerio-resilience outage demo: no credentials, nothing leaves this machine');
  display.log(`  Customer.io emulator  ${emu.url}`);
  display.log(`  Express app           ${base} (examples/express-app.ts: cioMiddleware + cioHealthRouter)`);
  display.log(`  ops console           ${base}/ops/customerio/ (cioConsoleRouter; open it while the demo runs)`);
  display.log(`  traffic               ${o.rate} req/s of sign-ups (identify + event) and orders (event), each for its own person or SKU`);
  display.log(`  client                timeout 1 s, 3 attempts, breaker opens after 5 failures and probes after ${plot.halfOpenAfterMs / 1000} s`);
  display.log(`  fallback queue        ${o.store}: ${store.where}`);

  const traffic = new TrafficGenerator(base, { rate: o.rate, maxInFlight: 32, runId });
  const meter = new Meter(cio, emu, traffic);
  meter.onTransition = (tr) => display.log(`  ${tr.t.toFixed(1).padStart(5)} s  circuit → ${tr.state}`);
  traffic.phase = 'warm-up';
  await traffic.warmUp(20);
  meter.start(250, (s) => display.update(s));
  traffic.start();

  const starts: Array<{ name: string; t: number }> = [];
  let recovered = true;
  for (const [i, phase] of plot.phases.entries()) {
    starts.push({ name: phase.name, t: meter.elapsed() });
    meter.phase = phase.name;
    traffic.phase = phase.name;
    const label = `phase ${i + 1}/${plot.phases.length}: ${phase.title}`;
    display.setPhase(label);
    display.log(`── ${meter.elapsed().toFixed(1).padStart(5)} s  ${label}`);
    await play(phase, emu, meter, display);
    if (phase.name === 'recovery') recovered = await drained(cio, plot.recoveryMaxMs - phase.ms);
    display.log(`  ${meter.elapsed().toFixed(1).padStart(5)} s  ${await healthRoute(base)}`);
  }
  await traffic.stop();
  const flushed = await cio.flush({ timeoutMs: 5000 });
  display.log(
    `  ${meter.elapsed().toFixed(1).padStart(5)} s  traffic stopped; ${recovered ? 'the queue had drained' : 'the queue had NOT drained in time'}; ` +
      `final flush delivered ${flushed.delivered}, ${flushed.remaining} remain`,
  );
  meter.sample();
  meter.stop();
  display.close();

  const ledger = computeLedger({
    traffic,
    emu,
    health: cio.health(),
    outcomes: meter.outcomes,
    replayed: meter.replayed,
    retries: meter.retries,
    phases: ['warm-up', ...plot.phases.map((p) => p.name)],
  });
  const svgPath = join(outDir, 'run.svg');
  await writeFile(
    svgPath,
    chartSvg({
      title: `customerio-resilience outage demo (${o.store} queue, Node ${process.version})`,
      footer: `accepted ${ledger.accepted} · delivered ${ledger.delivered} · duplicated ${ledger.duplicated} · lost ${ledger.lost} · ${new Date().toISOString()}`,
      samples: meter.samples,
      transitions: meter.transitions,
      phases: starts,
    }),
  );
  for (const line of ledgerText(ledger, o.store)) process.stdout.write(`${line}\n`);
  process.stdout.write(`\n  chart        ${svgPath}\n  client log   ${join(outDir, 'client.log')} (${logger.warnings} warnings)\n\n${verdictText(ledger)}\n`);

  await cio.close({ timeoutMs: 2000 });
  server.close();
  server.closeAllConnections();
  await emu.close();
  await store.cleanup();
  await logger.close();
  return ledger.ok ? 0 : 1;
}
