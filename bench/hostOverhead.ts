/**
 * Host overhead: what one tracking call per request costs an Express app. The app answers
 * `GET /` with a small JSON body; the "with" app also mounts `cioMiddleware` and calls
 * `req.cio.track(...)` in every request, the baseline app makes no Customer.io call at all (a
 * handler that does nothing else is the worst case for the ratio). A third app, the floor, sends
 * the same calls in the least costly way there is (pushed to an array, one bare SDK batch request
 * every 20 ms: no checks, keys, idempotency, policies, queue or request scope), to show what any
 * sender costs on this machine. Each app runs in its own
 * process, fresh for every run (no run inherits another's queue or circuit), the emulator in
 * another, autocannon in this one; the client has its defaults (rate limit 100 req/s, memory
 * queue), pointed at the emulator. Runs rotate between the apps so drift hits them alike.
 * Every run is closed loop (autocannon, 10 connections, as fast as the app answers), so the
 * p99 compared is the one at full load. (autocannon's rate option sends each connection's
 * quota in a burst at the top of every second, so it gives no steadier open loop.)
 *
 * Targets: healthy requests/s >= 0.95 x baseline; hanging p99 latency <= 1.1 x baseline p99.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BatchOperation } from 'customerio-node';
import { fmt, median, percentile, table, verdict } from './stats.js';
import { startRemoteEmulator, type RemoteEmulator } from './remoteEmulator.js';

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface Autocannon {
  (options: { url: string; connections: number; duration: number; overallRate?: number }): PromiseLike<AutocannonResult> & {
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  };
}
interface AutocannonResult {
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const SECONDS = 4;

type Mode = 'baseline' | 'floor' | 'healthy' | 'hanging';

/** What an app process runs: no Customer.io call, the least any sender must do, or this package. */
type AppKind = 'baseline' | 'floor' | 'cio';

/** One measured run. */
interface Run {
  rps: number;
  p50: number;
  p99: number;
  /** The app's Customer.io calls during the run: sent at once, queued or dropped (none for the baseline). */
  outcomes: Record<string, number>;
  /** CPU the app process used per request served, in µs (its own cost, whatever else shares the machine). */
  appCpu: number;
  /** CPU the emulator process used per request served by the app, in µs (Customer.io's side of the calls). */
  emuCpu: number;
}

/** Child role: serve the app of `kind` until stdin closes; `stats` on stdin prints the call outcomes, requests served and CPU used. */
async function serve(kind: AppKind, trackUrl: string): Promise<void> {
  const { default: express } = await import('express');
  const app = express();
  const outcomes: Record<string, number> = {};
  let close = async (): Promise<void> => undefined;
  let served = 0;
  app.use((_req, _res, next) => {
    served++;
    next();
  });
  if (kind === 'floor') {
    // The floor: what sending the same calls costs with no checks, no key, no idempotency, no
    // policies, no queue and no request scope: each call is pushed as a v2 operation and one
    // customerio-node batch request goes every 20 ms (the package's default window), unawaited.
    const { TrackClient } = await import('customerio-node');
    const sdk = new TrackClient('s', 'k', { url: trackUrl, retry: { maxRetries: 0 } });
    let pending: BatchOperation[] = [];
    let timer: NodeJS.Timeout | undefined;
    const send = (): void => {
      timer = undefined;
      const batch = pending;
      pending = [];
      sdk.batch(batch).then(
        () => void (outcomes['sent'] = (outcomes['sent'] ?? 0) + batch.length),
        () => void (outcomes['failed'] = (outcomes['failed'] ?? 0) + batch.length),
      );
    };
    const track = (id: string, event: { name: string; data: Record<string, unknown> }): void => {
      pending.push({ type: 'person', identifiers: { id }, action: 'event', name: event.name, attributes: event.data });
      if (pending.length >= 100) {
        clearTimeout(timer);
        send();
      } else timer ??= setTimeout(send, 20);
    };
    let n = 0;
    app.get('/', (_req, res) => {
      n++;
      track(`user-${n % 1000}`, { name: 'page_viewed', data: { path: '/', n } });
      res.json({ ok: true });
    });
  } else if (kind === 'cio') {
    const { createCioClient, silentLogger } = await import('../src/index.js');
    const { cioMiddleware } = await import('../src/http/express.js');
    const cio = createCioClient({ siteId: 's', apiKey: 'k', trackUrl, logger: silentLogger });
    // Counted from the events the client emits anyway (a `result` listener would add work of its own).
    const count = (status: string): void => void (outcomes[status] = (outcomes[status] ?? 0) + 1);
    cio.on('sent', (e) => {
      if (!e.replayed) count('sent');
    });
    cio.on('queued', () => count('queued'));
    cio.on('dropped', () => count('dropped'));
    app.use(cioMiddleware({ client: cio }));
    let n = 0;
    app.get('/', (req, res) => {
      n++;
      void req.cio.track(`user-${n % 1000}`, { name: 'page_viewed', data: { path: '/', n } });
      res.json({ ok: true });
    });
    close = async () => void (await cio.close({ timeoutMs: 0 }));
  } else {
    app.get('/', (_req, res) => {
      res.json({ ok: true });
    });
  }
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.stdout.write(`URL http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  process.stdin.on('data', (d: Buffer) => {
    if (!d.toString().includes('stats')) return;
    const cpu = process.cpuUsage();
    process.stdout.write(`STATS ${JSON.stringify({ ...outcomes, served, cpuUs: cpu.user + cpu.system })}\n`);
  });
  process.stdin.on('end', () => {
    server.closeAllConnections();
    server.close();
    void close().finally(() => process.exit(0));
  });
}

/** Starts an app process and resolves its URL and a way to read its figures and stop it. */
async function startApp(kind: AppKind, trackUrl: string): Promise<{ url: string; stats(): Promise<Record<string, number>>; stop(): Promise<void> }> {
  const script = fileURLToPath(import.meta.url);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...process.execArgv, script, 'serve', kind, trackUrl], {
    stdio: 'pipe',
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`app process exited (${code})`)));
    const look = (): void => {
      const m = /URL (\S+)/.exec(out);
      if (m) resolve(m[1]!);
      else setTimeout(look, 20);
    };
    look();
  });
  child.removeAllListeners('exit');
  return {
    url,
    async stats() {
      const from = out.length;
      child.stdin.write('stats\n');
      for (;;) {
        const m = /STATS (\{.*\})\n/.exec(out.slice(from));
        if (m) return JSON.parse(m[1]!) as Record<string, number>;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    },
  };
}

/** Drives `url` with autocannon for `seconds`; latencies come from its `response` events (its own histogram keeps whole ms only). */
async function load(url: string, seconds: number): Promise<Pick<Run, 'rps' | 'p50' | 'p99'>> {
  const latencies: number[] = [];
  const started = performance.now();
  const instance = autocannon({ url, connections: CONNECTIONS, duration: seconds });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  const elapsed = (performance.now() - started) / 1000;
  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(`autocannon saw ${result.errors} errors, ${result.non2xx} non-2xx answers, ${result.timeouts} timeouts`);
  }
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** One fresh app process, warmed up, then measured. For `hanging`, Customer.io hangs from before the app starts. */
async function measure(mode: Mode, emu: RemoteEmulator): Promise<Run> {
  if (mode === 'hanging') await emu.command('hang');
  const app = await startApp(mode === 'healthy' || mode === 'hanging' ? 'cio' : mode, emu.trackUrl);
  try {
    await load(app.url, WARMUP_SECONDS);
    const [before, emuBefore] = await Promise.all([app.stats(), emu.cpu()]);
    const figures = await load(app.url, SECONDS);
    const [after, emuAfter] = await Promise.all([app.stats(), emu.cpu()]);
    const delta = (k: string): number => (after[k] ?? 0) - (before[k] ?? 0);
    const outcomes: Record<string, number> = {};
    for (const k of Object.keys(after)) if (k !== 'served' && k !== 'cpuUs') outcomes[k] = delta(k);
    const served = Math.max(1, delta('served'));
    return { ...figures, outcomes, appCpu: delta('cpuUs') / served, emuCpu: (emuAfter - emuBefore) / served };
  } finally {
    await app.stop();
    if (mode === 'hanging') await emu.command('clear');
  }
}

function mix(runs: Run[]): string {
  const total: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.outcomes)) total[k] = (total[k] ?? 0) + v;
  const all = Object.values(total).reduce((a, b) => a + b, 0);
  if (all === 0) return 'no calls';
  return Object.entries(total)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmt((v / all) * 100)}%`)
    .join(', ');
}

/** Runs the host overhead benchmark and prints its figures. Returns whether both targets are met. */
export async function benchHostOverhead(runs = 3): Promise<boolean> {
  const emu = await startRemoteEmulator();
  const results: Record<Mode, Run[]> = { baseline: [], floor: [], healthy: [], hanging: [] };
  try {
    for (let i = 0; i < runs; i++) {
      for (const mode of ['baseline', 'floor', 'healthy', 'hanging'] as const) results[mode].push(await measure(mode, emu));
    }
  } finally {
    await emu.close();
  }
  const m = (mode: Mode, key: 'rps' | 'p50' | 'p99' | 'appCpu' | 'emuCpu'): number => median(results[mode].map((r) => r[key]));
  // Ratios are taken within each round (its runs are minutes apart at most), then their median.
  const paired = (a: Mode, b: Mode, key: 'rps' | 'p99'): { ratio: number; range: string } => {
    const ratios = results[a].map((r, i) => r[key] / results[b][i]![key]).sort((x, y) => x - y);
    return { ratio: median(ratios), range: `${fmt(ratios[0]!, 2)}–${fmt(ratios[ratios.length - 1]!, 2)}` };
  };
  const healthy = paired('healthy', 'baseline', 'rps');
  const hanging = paired('hanging', 'baseline', 'p99');
  const floor = paired('floor', 'baseline', 'rps');
  const rpsRatio = healthy.ratio;
  const p99Ratio = hanging.ratio;
  const cpuPerCall = (1 / m('healthy', 'rps') - 1 / m('baseline', 'rps')) * 1e6;
  const line = (mode: Mode): string =>
    `${fmt(m(mode, 'rps'))} req/s, p50 ${fmt(m(mode, 'p50'), 2)} ms, p99 ${fmt(m(mode, 'p99'), 2)} ms; CPU/request: app ${fmt(m(mode, 'appCpu'))} µs, emulator ${fmt(m(mode, 'emuCpu'))} µs`;
  const cpuRatio = m('baseline', 'appCpu') / m('healthy', 'appCpu');
  table(
    `Host overhead: Express app, one req.cio.track() per request vs none (autocannon on loopback, ${CONNECTIONS} connections, ` +
      `${SECONDS} s per run after ${WARMUP_SECONDS} s warm-up, a fresh app process per run; ${runs} rounds, medians)`,
    [
      ['baseline (no Customer.io call)', line('baseline')],
      ['floor: minimal sender, healthy', `${line('floor')}  [its calls: ${mix(results.floor)}]`],
      ['with middleware, Customer.io healthy', `${line('healthy')}  [its calls: ${mix(results.healthy)}]`],
      ['with middleware, Customer.io hanging', `${line('hanging')}  [its calls: ${mix(results.hanging)}]`],
      ['healthy / baseline requests/s', `${fmt(rpsRatio, 3)} (median of the rounds' ratios, ${healthy.range}; target >= 0.95: ${verdict(rpsRatio >= 0.95)})`],
      ['floor / baseline requests/s', `${fmt(floor.ratio, 3)} (${floor.range}: what sending the calls at all costs here; healthy / floor: ${fmt(paired('healthy', 'floor', 'rps').ratio, 3)})`],
      ['hanging / baseline p99', `${fmt(p99Ratio, 2)} (median of the rounds' ratios, ${hanging.range}; target <= 1.1: ${verdict(p99Ratio <= 1.1)})`],
      ['hanging / healthy p99', `${fmt(paired('hanging', 'healthy', 'p99').ratio, 2)} (the hang itself, both with the middleware)`],
      ['app time per tracked request', `${fmt(cpuPerCall)} µs (1/healthy rps - 1/baseline rps)`],
      ['app CPU per request, baseline / healthy', `${fmt(cpuRatio, 3)} (the app's own cost alone: its CPU, not the machine's; ${fmt(m('healthy', 'appCpu') - m('baseline', 'appCpu'))} µs per call)`],
      ['app CPU per call, floor', `${fmt(m('floor', 'appCpu') - m('baseline', 'appCpu'))} µs (baseline / floor by app CPU: ${fmt(m('baseline', 'appCpu') / m('floor', 'appCpu'), 3)})`],
    ],
  );
  return rpsRatio >= 0.95 && p99Ratio <= 1.1;
}

const main = process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`;
if (main && process.argv[2] === 'serve') {
  await serve((process.argv[3] ?? 'baseline') as AppKind, process.argv[4] ?? '');
} else if (main) {
  await benchHostOverhead();
}
