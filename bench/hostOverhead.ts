/**
 * Host overhead: what one tracking call per request costs an Express app, read from CPU profiles
 * of the app under load.
 *
 * The app answers `GET /` with a small JSON body (a handler that does nothing else is the worst
 * case). Four apps: the baseline makes no Customer.io call; the floor sends the same calls in the
 * least costly way there is (pushed to an array, one bare SDK v2 batch request every 20 ms: no
 * checks, keys, idempotency, policies, queue or request scope); the healthy and hanging apps mount
 * `cioMiddleware` and call `req.cio.track(...)` in every request, Customer.io answering or hanging.
 * Each app runs in its own process, fresh for every run and profiled (`node --cpu-prof`), the
 * emulator in another, autocannon (closed loop, 10 connections) in this one. Rounds run the apps
 * in alternating order (forwards, then backwards) so the machine's drift hits them alike.
 *
 * Targets: own code (this package's files plus lru-cache, cockatiel and ulid: self time in the
 * app's profile during the measured window, divided by the calls the app made in it) <= 8 µs per
 * call; healthy requests/s >= 0.95 x the floor's; p99 while Customer.io hangs <= 1.1 x healthy p99.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BatchOperation } from 'customerio-node';
import { addSelfTimes, CATEGORIES, grownPerCall, hrtimeUs, nodeFromOwnTotal, profileDir, PROFILE_INTERVAL_US, selfTime, topPerCall, type SelfTime } from './profile.js';
import { check, clip, fmt, median, percentile, spread, table, type Check, type Target } from './stats.js';
import { startRemoteEmulator, type RemoteEmulator } from './remoteEmulator.js';

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface Autocannon {
  (options: { url: string; connections: number; duration: number }): PromiseLike<AutocannonResult> & {
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

export const HOST_TARGETS = {
  ownPerCall: { op: '<=', limit: 8, text: '8 µs' },
  rpsVsFloor: { op: '>=', limit: 0.95, text: '0.95' },
  hangP99: { op: '<=', limit: 1.1, text: '1.1' },
} as const satisfies Record<string, Target>;

type Mode = 'baseline' | 'floor' | 'healthy' | 'hanging';
const MODES: readonly Mode[] = ['baseline', 'floor', 'healthy', 'hanging'];

/** What an app process runs: no Customer.io call, the least any sender must do, or this package. */
type AppKind = 'baseline' | 'floor' | 'cio';

/** One measured run. */
interface Run {
  rps: number;
  p50: number;
  p99: number;
  /** Customer.io calls the app made in the measured window. */
  calls: number;
  /** Requests the app served in the measured window. */
  served: number;
  /** The app's Customer.io calls during the run: sent at once, queued or dropped (none for the baseline). */
  outcomes: Record<string, number>;
  /** Self time in the app's profile during the measured window. */
  self: SelfTime;
}

/** Child role: serve the app of `kind` until stdin closes; `stats` on stdin prints its counters and the profiler clock. */
async function serve(kind: AppKind, trackUrl: string): Promise<void> {
  const { default: express } = await import('express');
  const app = express();
  const outcomes: Record<string, number> = {};
  let close = async (): Promise<void> => undefined;
  let served = 0;
  let calls = 0;
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
      calls++;
      pending.push({ type: 'person', identifiers: { id }, action: 'event', name: event.name, attributes: event.data });
      if (pending.length >= 100) {
        clearTimeout(timer);
        send();
      } else timer ??= setTimeout(send, 20);
    };
    app.get('/', (_req, res) => {
      track(`user-${calls % 1000}`, { name: 'page_viewed', data: { path: '/', n: calls } });
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
    app.get('/', (req, res) => {
      calls++;
      void req.cio.track(`user-${calls % 1000}`, { name: 'page_viewed', data: { path: '/', n: calls } });
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
    process.stdout.write(`STATS ${JSON.stringify({ ...outcomes, served, calls, hr: hrtimeUs() })}\n`);
  });
  process.stdin.on('end', () => {
    server.closeAllConnections();
    server.close();
    void close().finally(() => process.exit(0));
  });
}

/** Starts a profiled app process; resolves its URL and a way to read its counters and stop it (which writes the profile). */
async function startApp(
  kind: AppKind,
  trackUrl: string,
  profileArgs: string[],
): Promise<{ url: string; stats(): Promise<Record<string, number>>; stop(): Promise<void> }> {
  const script = fileURLToPath(import.meta.url);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...process.execArgv, ...profileArgs, script, 'serve', kind, trackUrl], {
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
        await new Promise((r) => setTimeout(r, 5));
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

/** One fresh app process, warmed up, then measured and profiled. For `hanging`, Customer.io hangs from before the app starts. */
async function measure(mode: Mode, emu: RemoteEmulator, profiles: ReturnType<typeof profileDir>, name: string): Promise<Run> {
  if (mode === 'hanging') await emu.command('hang');
  const app = await startApp(mode === 'healthy' || mode === 'hanging' ? 'cio' : mode, emu.trackUrl, profiles.args(name));
  let before: Record<string, number>;
  let after: Record<string, number>;
  let figures: Pick<Run, 'rps' | 'p50' | 'p99'>;
  try {
    await load(app.url, WARMUP_SECONDS);
    before = await app.stats();
    figures = await load(app.url, SECONDS);
    after = await app.stats();
  } finally {
    await app.stop();
    if (mode === 'hanging') await emu.command('clear');
  }
  const delta = (k: string): number => (after[k] ?? 0) - (before[k] ?? 0);
  const outcomes: Record<string, number> = {};
  for (const k of Object.keys(after)) if (!['served', 'calls', 'hr'].includes(k)) outcomes[k] = delta(k);
  const self = selfTime(profiles.read(name), [{ start: before['hr']!, end: after['hr']! }]);
  return { ...figures, outcomes, calls: delta('calls'), served: delta('served'), self };
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

/** Own code's self time per Customer.io call in one run, µs. */
const ownPerCall = (r: Run): number => r.self.byCategory.own / Math.max(1, r.calls);

/** Runs the host overhead benchmark and prints its figures. Returns its three targets' outcomes. */
export async function benchHostOverhead(rounds = 5): Promise<Check[]> {
  const emu = await startRemoteEmulator();
  const profiles = profileDir();
  const results: Record<Mode, Run[]> = { baseline: [], floor: [], healthy: [], hanging: [] };
  try {
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order) results[mode].push(await measure(mode, emu, profiles, `${mode}-${i}`));
    }
  } finally {
    await emu.close();
    profiles.dispose();
  }
  const T = HOST_TARGETS;
  // Ratios are taken within each round (its runs are a minute apart at most); their median is the figure.
  const ratios = (a: Mode, b: Mode, key: 'rps' | 'p99'): number[] => results[a].map((r, i) => r[key] / results[b][i]![key]);
  const own = results.healthy.map(ownPerCall);
  const rpsVsFloor = ratios('healthy', 'floor', 'rps');
  const hangP99 = ratios('hanging', 'healthy', 'p99');
  const line = (mode: Mode): string =>
    `${spread(results[mode].map((r) => r.rps))} req/s; p50 ${fmt(median(results[mode].map((r) => r.p50)), 2)} ms, p99 ${spread(results[mode].map((r) => r.p99), 2, ' ms')}`;

  const checks = [
    check('own code per request-scoped call', own, T.ownPerCall, 1, ' µs'),
    check('healthy / floor requests/s', rpsVsFloor, T.rpsVsFloor, 3),
    check('hanging / healthy p99', hangP99, T.hangP99, 2),
  ];
  const healthySum = addSelfTimes(results.healthy.map((r) => r.self));
  const healthyCalls = results.healthy.reduce((a, r) => a + r.calls, 0);
  const ownTotal = healthySum.byCategory.own;
  const top = topPerCall(healthySum.byFunction, healthyCalls, 8).map(
    ([fn, us]): [string, string] => [`  ${fn}`, `${fmt(us, 2)} µs/call (${fmt((us * healthyCalls * 100) / ownTotal)}% of own)`],
  );
  const nodeTop = topPerCall(healthySum.nodeFromOwn, healthyCalls, 5).map(
    ([fn, us]): [string, string] => [`  ${clip(fn)}`, `${fmt(us, 2)} µs/call`],
  );
  const floorSum = addSelfTimes(results.floor.map((r) => r.self));
  const floorCalls = results.floor.reduce((a, r) => a + r.calls, 0);
  const grown = grownPerCall(floorSum, floorCalls, healthySum, healthyCalls, 8).map(
    ([fn, us]): [string, string] => [`  ${clip(fn)}`, `+${fmt(us, 2)} µs/call`],
  );
  const withNode = results.healthy.map((r) => (r.self.byCategory.own + nodeFromOwnTotal(r.self)) / Math.max(1, r.calls));
  const files = topPerCall(healthySum.byFile, healthyCalls, 8)
    .map(([file, us]) => `${file} ${fmt(us, 1)}`)
    .join(', ');
  // Where each app's time per request goes, by kind of code (medians of the rounds).
  const perRequest = (mode: Mode, pick: (s: SelfTime) => number): string => fmt(median(results[mode].map((r) => pick(r.self) / Math.max(1, r.served))), 1);
  const breakdown = CATEGORIES.map(([cat, label]): [string, string] => [
    `  ${label}`,
    MODES.map((m) => perRequest(m, (s) => s.byCategory[cat])).join(' / '),
  ]);
  table(
    `Host overhead: Express app, one req.cio.track() per request (autocannon on loopback, ${CONNECTIONS} connections, ${SECONDS} s per run ` +
      `after ${WARMUP_SECONDS} s warm-up, a fresh profiled app process per run, sampled every ${PROFILE_INTERVAL_US} µs; ${rounds} rounds ` +
      `in alternating order; median [min–max] over rounds)`,
    [
      ...checks.map((c): [string, string] => [c.name, c.text]),
      ['own code per call, Customer.io hanging', `${spread(results.hanging.map(ownPerCall), 1, ' µs')} (information)`],
      ['top own functions (healthy, all rounds)', ''],
      ...top,
      ['own code by file, µs/call', files],
      ['own code + the Node.js internals it calls', `${spread(withNode, 1, ' µs')} per call (information; the largest of those internals:)`],
      ...nodeTop,
      ['outside own code, grown most from the floor', '(self time per call, healthy app minus floor app, all rounds)'],
      ...grown,
      ['self time per request, µs', 'baseline / floor / healthy / hanging'],
      ...breakdown,
      ['baseline (no Customer.io call)', line('baseline')],
      ['floor: minimal sender', `${line('floor')}  [its calls: ${mix(results.floor)}]`],
      ['with middleware, healthy', `${line('healthy')}  [its calls: ${mix(results.healthy)}]`],
      ['with middleware, hanging', `${line('hanging')}  [its calls: ${mix(results.hanging)}]`],
      ['healthy / baseline requests/s', `${spread(ratios('healthy', 'baseline', 'rps'), 3)} (information; the old target >= 0.95 of an app making no call is retired)`],
      ['floor / baseline requests/s', `${spread(ratios('floor', 'baseline', 'rps'), 3)} (information: what sending the calls at all costs here)`],
      ['hanging / baseline p99', `${spread(ratios('hanging', 'baseline', 'p99'), 2)} (information)`],
    ],
  );
  return checks;
}

const main = process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`;
if (main && process.argv[2] === 'serve') {
  await serve((process.argv[3] ?? 'baseline') as AppKind, process.argv[4] ?? '');
} else if (main) {
  await benchHostOverhead(Number(process.argv[2] ?? 5));
}
