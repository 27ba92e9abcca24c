/**
 * Client overhead: our client versus the bare customerio-node SDK, both sending `track` calls to the
 * local emulator (in another process) with the same concurrency, in a child process profiled with
 * `node --cpu-prof`. Rate limiting is off for the comparison (it would measure the limit, not the
 * client). Each round runs the bare SDK and our client back to back in alternating order, then our
 * client with `{ batch: true }`, and our client with `tracing: false` and with its spans recorded by
 * the OpenTelemetry SDK (the default run has `@opentelemetry/api` installed and no provider
 * registered: the spans it starts record nothing); every run starts on a collected heap.
 *
 * Figures: own code per direct `track` call (self time of this package's files plus lru-cache,
 * cockatiel and ulid in the child's profile during our client's runs, divided by the calls made),
 * and operations/s against the bare SDK's. Target: our client at least 0.9 of the bare SDK's ops/s.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { TrackClient } from 'customerio-node';
import { createCioClient, silentLogger } from '../src/index.js';
import { addSelfTimes, grownPerCall, hrtimeUs, nodeFromOwnTotal, profileDir, PROFILE_INTERVAL_US, selfTime, topPerCall, type SelfTime } from './profile.js';
import { startRemoteEmulator } from './remoteEmulator.js';
import { check, clip, fmt, spread, table, type Check, type Target } from './stats.js';

const OPS = 4_000;
const CONCURRENCY = 32;

export const CLIENT_TARGETS = {
  opsVsBare: { op: '>=', limit: 0.9, text: '0.9' },
} as const satisfies Record<string, Target>;

type Kind = 'bare' | 'ours' | 'batched' | 'untraced' | 'traced';

/** One run as the child reports it. */
interface ChildRun {
  kind: Kind;
  round: number;
  ops: number;
  seconds: number;
  /** CPU the child used in the run, µs. */
  cpuUs: number;
  /** The run's window on the profiler's clock, µs. */
  start: number;
  end: number;
}

interface Run extends ChildRun {
  self: SelfTime;
}

/** Child role: runs the rounds against `trackUrl`, printing `RUN {json}` per run. */
async function child(trackUrl: string, rounds: number): Promise<void> {
  const drive = async (kind: Kind, round: number, send: (i: number) => Promise<unknown>): Promise<void> => {
    // Every run starts on a collected heap: no run pays for the garbage the previous one left.
    (globalThis as { gc?: () => void }).gc?.();
    let next = 0;
    const cpu = process.cpuUsage();
    const start = hrtimeUs();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < OPS) await send(next++);
      }),
    );
    const end = hrtimeUs();
    const used = process.cpuUsage(cpu);
    const run: ChildRun = { kind, round, ops: OPS, seconds: (end - start) / 1e6, cpuUs: used.user + used.system, start, end };
    if (round >= 0) process.stdout.write(`RUN ${JSON.stringify(run)}\n`);
  };
  const bare = (round: number): Promise<void> => {
    const sdk = new TrackClient('s', 'k', { url: trackUrl, retry: { maxRetries: 0 } });
    return drive('bare', round, (i) => sdk.track(`person-${i % 500}`, { name: 'bench', data: { i } }));
  };
  // Spans recorded and handed to an exporter that drops them: what tracing costs in this process.
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} } })] });
  const ours = async (round: number, kind: Exclude<Kind, 'bare'> = 'ours'): Promise<void> => {
    const tracing = kind === 'untraced' ? false : kind === 'traced' ? { tracerProvider: provider } : true;
    const cio = createCioClient({ siteId: 's', apiKey: 'k', trackUrl, logger: silentLogger, rateLimit: false, tracing });
    const options = kind === 'batched' ? { batch: true } : {};
    await drive(kind, round, async (i) => {
      const r = await cio.track(`person-${i % 500}`, { name: 'bench', data: { i } }, options);
      if (r.status !== 'sent') throw new Error(`not sent: ${r.status}`);
    });
    await cio.close({ timeoutMs: 0 });
  };
  // Warm-up (not reported): JIT and keep-alive connections.
  await bare(-1);
  await ours(-1);
  for (let i = 0; i < rounds; i++) {
    // Each round runs both, in alternating order, back to back: the machine's drift hits them alike.
    if (i % 2 === 0) {
      await bare(i);
      await ours(i);
    } else {
      await ours(i);
      await bare(i);
    }
    await ours(i, 'batched');
    await ours(i, 'untraced');
    await ours(i, 'traced');
  }
}

/** Own code's self time per call in one run, µs. */
const ownPerOp = (r: Run): number => r.self.byCategory.own / r.ops;

/** Runs the client overhead benchmark and prints its figures. Returns its target's outcome. */
export async function benchClientOverhead(rounds = 7): Promise<Check[]> {
  // The emulator runs in its own process: the profile and the CPU per operation are the client's alone.
  const emu = await startRemoteEmulator();
  const profiles = profileDir();
  const runs: Run[] = [];
  try {
    const script = fileURLToPath(import.meta.url);
    const proc = spawn(process.execPath, [...process.execArgv, ...profiles.args('client'), script, 'child', emu.trackUrl, String(rounds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(proc, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`client benchmark process exited (${code})`);
    const profile = profiles.read('client');
    for (const m of out.matchAll(/RUN (\{.*\})\n/g)) {
      const r = JSON.parse(m[1]!) as ChildRun;
      runs.push({ ...r, self: selfTime(profile, [r]) });
    }
  } finally {
    await emu.close();
    profiles.dispose();
  }
  const of = (kind: Kind): Run[] => runs.filter((r) => r.kind === kind).sort((a, b) => a.round - b.round);
  const [b, o, batched, untraced, traced] = [of('bare'), of('ours'), of('batched'), of('untraced'), of('traced')];
  const opsPerSec = (r: Run): number => r.ops / r.seconds;
  const cpuPerOp = (r: Run): number => r.cpuUs / r.ops;
  // The ratio of each round, then their median: a round's two runs see the same machine.
  const ratios = o.map((r, i) => opsPerSec(r) / opsPerSec(b[i]!));
  const checks = [check('client ops/s, ours / bare SDK', ratios, CLIENT_TARGETS.opsVsBare, 2)];
  const sum = addSelfTimes(o.map((r) => r.self));
  const calls = o.reduce((a, r) => a + r.ops, 0);
  const ownTotal = sum.byCategory.own;
  const top = topPerCall(sum.byFunction, calls, 8).map(
    ([fn, us]): [string, string] => [`  ${fn}`, `${fmt(us, 2)} µs/call (${fmt((us * calls * 100) / ownTotal)}% of own)`],
  );
  const bareSum = addSelfTimes(b.map((r) => r.self));
  const bareCalls = b.reduce((a, r) => a + r.ops, 0);
  const grown = grownPerCall(bareSum, bareCalls, sum, calls, 8).map(
    ([fn, us]): [string, string] => [`  ${clip(fn)}`, `+${fmt(us, 2)} µs/call`],
  );
  const perOp = (runs: Run[], pick: (s: SelfTime) => number): string => spread(runs.map((r) => pick(r.self) / r.ops), 1);
  table(
    `Client overhead vs bare SDK (${fmt(OPS)} track calls per run, concurrency ${CONCURRENCY}, emulator in another process on loopback; ` +
      `a profiled child process sampled every ${PROFILE_INTERVAL_US} µs; ${rounds} rounds; median [min–max] over rounds)`,
    [
      ['own code per direct track call', `${spread(o.map(ownPerOp), 1, ' µs')} — self time in the profile / calls made (no target set)`],
      ['own code + the Node.js internals it calls', `${spread(o.map((r) => (r.self.byCategory.own + nodeFromOwnTotal(r.self)) / r.ops), 1, ' µs')} per call (information)`],
      ...checks.map((c): [string, string] => [c.name, c.text]),
      ['bare customerio-node', `${spread(b.map(opsPerSec))} ops/s, ${spread(b.map(cpuPerOp))} µs CPU/op (own code in its runs: ${spread(b.map(ownPerOp), 1, ' µs')}, the attribution's noise)`],
      ['customerio-resilience', `${spread(o.map(opsPerSec))} ops/s, ${spread(o.map(cpuPerOp))} µs CPU/op`],
      ['  of which customerio-node, µs/op', `${perOp(o, (s) => s.byCategory.sdk)} (bare SDK's runs: ${perOp(b, (s) => s.byCategory.sdk)})`],
      ['  of which Node.js internals, µs/op', `${perOp(o, (s) => s.byCategory.node)} (bare SDK's runs: ${perOp(b, (s) => s.byCategory.node)})`],
      ['  of which garbage collector, µs/op', `${perOp(o, (s) => s.byCategory.gc)} (bare SDK's runs: ${perOp(b, (s) => s.byCategory.gc)})`],
      ['top own functions (all rounds)', ''],
      ...top,
      ['outside own code, grown most from the bare SDK', '(self time per call, our runs minus the bare SDK runs, all rounds)'],
      ...grown,
      [
        'ours, calls given { batch: true }',
        `${spread(batched.map(opsPerSec))} ops/s, ${spread(batched.map(cpuPerOp))} µs CPU/op, own code ${spread(batched.map(ownPerOp), 1, ' µs')}/call ` +
          `(the same calls sharing v2 batch requests; information)`,
      ],
      ['tracing (information)', 'own code per call; OpenTelemetry\'s own code per call'],
      ['  tracing: false', `own code ${spread(untraced.map(ownPerOp), 1, ' µs')}, ${spread(untraced.map(opsPerSec))} ops/s`],
      ['  @opentelemetry/api, no provider (the runs above)', `own code ${spread(o.map(ownPerOp), 1, ' µs')}, OpenTelemetry ${perOp(o, (s) => s.byCategory.otel)} µs`],
      [
        '  spans recorded (SDK, dropped by the exporter)',
        `own code ${spread(traced.map(ownPerOp), 1, ' µs')}, OpenTelemetry ${perOp(traced, (s) => s.byCategory.otel)} µs, GC ${perOp(traced, (s) => s.byCategory.gc)} µs, ${spread(traced.map(opsPerSec))} ops/s`,
      ],
    ],
  );
  return checks;
}

const main = process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`;
if (main && process.argv[2] === 'child') {
  await child(process.argv[3] ?? '', Number(process.argv[4] ?? 7));
  process.exit(0);
} else if (main) {
  await benchClientOverhead(Number(process.argv[2] ?? 7));
}
