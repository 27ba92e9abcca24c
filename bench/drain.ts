/**
 * Backlog drain after an outage. While the emulator is stopped (connections refused), 10 000 calls
 * are made one after another: the first fail and open the circuit, the rest go straight to the
 * memory queue. The emulator is started again and `flush()` delivers the backlog under the client's
 * rate limit (100 requests/s, burst 1, so the limit binds from the first request). Two backlogs:
 *
 * - a realistic mix: 55% track, 20% identify, 10% trackPageView, 5% trackAnonymous, 5% addDevice,
 *   3% suppress, 2% sendEmail, shuffled (seeded, the same order every run);
 * - track alone.
 *
 * The drain rate is the backlog over the time from the first request the emulator receives to the
 * end of the flush (the circuit's wait to half-open is not delivery). The upper bound the rate
 * limit allows for the same backlog is computed from what the emulator saw: each accepted
 * operation either rode in a v2 batch (`batchIndex` set) or went alone on its own route; at best,
 * batched operations fill batches of `drain.batchSize`, each a request, and every other operation
 * is a request of its own, all drawn from the rate limit's bucket.
 *
 * Targets: the mix >= 1 500 ops/s and >= 0.8 of its bound; track alone >= 5 000 ops/s.
 */
import { createCioClient, memoryQueue, silentLogger, type CioClient, type CioResult } from '../src/index.js';
import { startCioEmulator, type AcceptedOperation, type CioEmulator } from '../src/testing/index.js';
import { check, fmt, median, spread, table, type Check, type Target } from './stats.js';

const EVENTS = 10_000;
/** The client's rate limit and replay batch size in this benchmark. */
const RATE = { perSecond: 100, burst: 1 };
const BATCH_SIZE = 100;
/**
 * Which rate-limit bucket each API's requests draw from, and its rate: each API has its own
 * (`rateLimit` for Track, `apis.app.rateLimit` for the App API), both set to RATE here.
 */
const BUCKETS: Record<'track' | 'app', { name: string; perSecond: number }> = {
  track: { name: 'track', perSecond: RATE.perSecond },
  app: { name: 'app', perSecond: RATE.perSecond },
};

export const DRAIN_TARGETS = {
  mixRate: { op: '>=', limit: 1_500, text: '1,500 ops/s' },
  mixVsBound: { op: '>=', limit: 0.8, text: '0.8' },
  trackRate: { op: '>=', limit: 5_000, text: '5,000 ops/s' },
} as const satisfies Record<string, Target>;

/** The mix, in percent. */
const MIX = [
  ['track', 55],
  ['identify', 20],
  ['trackPageView', 10],
  ['trackAnonymous', 5],
  ['addDevice', 5],
  ['suppress', 3],
  ['sendEmail', 2],
] as const;
type MixOp = (typeof MIX)[number][0];

/** A small seeded PRNG (mulberry32): the same shuffled mix in every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` operations in the mix's proportions, shuffled. */
function mixed(n: number): MixOp[] {
  const ops: MixOp[] = [];
  for (const [op, percent] of MIX) for (let i = 0; i < (n * percent) / 100; i++) ops.push(op);
  const random = prng(11);
  for (let i = ops.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ops[i], ops[j]] = [ops[j]!, ops[i]!];
  }
  return ops;
}

/** Makes the `i`-th call of the backlog. */
function call(cio: CioClient, op: MixOp, i: number): Promise<CioResult> {
  const person = `person-${i % 1000}`;
  switch (op) {
    case 'track':
      return cio.track(person, { name: 'page_viewed', data: { i } });
    case 'identify':
      return cio.identify(person, { plan: 'pro', seen: i });
    case 'trackPageView':
      return cio.trackPageView(person, `/products/${i}`);
    case 'trackAnonymous':
      return cio.trackAnonymous(`anon-${i % 500}`, { name: 'visited', data: { i } });
    case 'addDevice':
      return cio.addDevice(person, `device-${i}`, 'ios');
    case 'suppress':
      // People of their own, so that a suppression does not change what happens to the others.
      return cio.suppress(`churned-${i}`);
    case 'sendEmail':
      return cio.sendEmail({ to: `${person}@example.com`, transactional_message_id: '3', identifiers: { id: person } });
  }
}

interface DrainRun {
  ops: number;
  seconds: number;
  /** Requests the emulator answered with success during the drain: v2 batches and single routes. */
  batchRequests: number;
  singleRequests: number;
  /** Operations that rode in a v2 batch, and those sent alone, by API. */
  batched: number;
  alone: Record<'track' | 'app', number>;
  /** The most ops/s the rate limit allows for these operations (see the file comment). */
  bound: number;
}

/** The fewest requests the operations could have taken, and the time the buckets need for them: the best ops/s. */
function boundOf(ops: number, batched: number, alone: Record<'track' | 'app', number>): number {
  const requests = new Map<string, number>();
  const add = (api: 'track' | 'app', n: number): void => void requests.set(BUCKETS[api].name, (requests.get(BUCKETS[api].name) ?? 0) + n);
  add('track', Math.ceil(batched / BATCH_SIZE) + alone.track);
  add('app', alone.app);
  let seconds = 0;
  for (const [name, n] of requests) {
    const rate = Object.values(BUCKETS).find((b) => b.name === name)!.perSecond;
    // The bucket starts with `burst` tokens: those requests go at once, the rest at the rate.
    seconds = Math.max(seconds, Math.max(1, n - RATE.burst) / rate);
  }
  return ops / seconds;
}

async function drainOnce(ops: readonly MixOp[]): Promise<DrainRun> {
  const emu: CioEmulator = await startCioEmulator({ siteId: 's', apiKey: 'k', appApiKey: 'a' });
  const cio = createCioClient({
    siteId: 's',
    apiKey: 'k',
    appApiKey: 'a',
    trackUrl: emu.trackUrl,
    appUrl: emu.appUrl,
    logger: silentLogger,
    queue: memoryQueue({ maxSize: ops.length }),
    rateLimit: RATE,
    apis: { app: { rateLimit: RATE } },
    // The circuit half-opens 1 s after it opened (not 10 s): the wait is not part of the measure, only of the run's length.
    breaker: { threshold: 5, halfOpenAfterMs: 1_000 },
    drain: { enabled: false, batchSize: BATCH_SIZE },
  });
  try {
    // The outage: Customer.io refuses connections; the first calls fail and open the circuit.
    await emu.down();
    for (let i = 0; i < ops.length; i++) {
      const r = await call(cio, ops[i]!, i);
      if (r.status !== 'queued') throw new Error(`${ops[i]} #${i}: expected queued, got ${r.status} (${r.error?.message ?? ''})`);
    }
    await emu.up();
    let first = 0;
    emu.on('request', () => {
      first ||= performance.now();
    });
    const result = await cio.flush({ timeoutMs: 120_000 });
    const seconds = (performance.now() - first) / 1000;
    const accepted: readonly AcceptedOperation[] = emu.operations;
    const dead = cio.health().queue.dead_letter;
    if (result.remaining !== 0 || accepted.length !== ops.length || emu.duplicates !== 0 || dead !== 0) {
      throw new Error(`drain incomplete: ${JSON.stringify(result)}, ${accepted.length} operations, ${emu.duplicates} duplicates, ${dead} dead letters`);
    }
    const ok = emu.requests.filter((r) => r.status !== null && r.status >= 200 && r.status < 300);
    const batchRequests = ok.filter((r) => r.operation === 'batch').length;
    let batched = 0;
    const alone = { track: 0, app: 0 };
    for (const op of accepted) {
      if (op.batchIndex !== null) batched++;
      else alone[op.source === 'app' ? 'app' : 'track']++;
    }
    return {
      ops: ops.length,
      seconds,
      batchRequests,
      singleRequests: ok.length - batchRequests,
      batched,
      alone,
      bound: boundOf(ops.length, batched, alone),
    };
  } finally {
    await cio.close({ timeoutMs: 0 });
    await emu.close();
  }
}

/** Runs the drain benchmark and prints its figures. Returns its targets' outcomes. */
export async function benchDrain(rounds = 3): Promise<Check[]> {
  const mix = mixed(EVENTS);
  const tracks: MixOp[] = Array.from({ length: EVENTS }, () => 'track');
  const m: DrainRun[] = [];
  const t: DrainRun[] = [];
  for (let i = 0; i < rounds; i++) {
    m.push(await drainOnce(mix));
    t.push(await drainOnce(tracks));
  }
  const rate = (r: DrainRun): number => r.ops / r.seconds;
  const perRequest = (r: DrainRun): number => r.ops / (r.batchRequests + r.singleRequests);
  const checks = [
    check('mixed backlog drain, ops/s', m.map(rate), DRAIN_TARGETS.mixRate),
    check('mixed backlog drain / rate-limit bound', m.map((r) => rate(r) / r.bound), DRAIN_TARGETS.mixVsBound, 2),
    check('track-only backlog drain, ops/s', t.map(rate), DRAIN_TARGETS.trackRate),
  ];
  const shares = (r: DrainRun): string =>
    `${fmt((r.batched * 100) / r.ops)}% of operations rode in v2 batches, ${fmt((r.alone.track * 100) / r.ops)}% alone on Track routes, ${fmt((r.alone.app * 100) / r.ops)}% alone on App routes`;
  const requests = (runs: DrainRun[]): string =>
    `${fmt(median(runs.map((r) => r.batchRequests)))} batch + ${fmt(median(runs.map((r) => r.singleRequests)))} single requests`;
  table(
    `Backlog drain after an outage (${fmt(EVENTS)} calls queued while the emulator was stopped, then flush(); rate limit ${RATE.perSecond} req/s, ` +
      `burst ${RATE.burst}; drain.batchSize ${BATCH_SIZE}; ${rounds} rounds; median [min–max])`,
    [
      ['mix', MIX.map(([op, p]) => `${p}% ${op}`).join(', ')],
      [checks[0]!.name, checks[0]!.text],
      ['  ops per request', `${spread(m.map(perRequest), 1)} (${requests(m)})`],
      ['  how it went out', shares(m[0]!)],
      ['  bound the rate limit allows', `${spread(m.map((r) => r.bound))} ops/s (that split, batches of ${BATCH_SIZE}, ${RATE.perSecond} requests/s)`],
      [checks[1]!.name, checks[1]!.text],
      [checks[2]!.name, checks[2]!.text],
      ['  ops per request', `${spread(t.map(perRequest), 1)} (${requests(t)}; bound ${spread(t.map((r) => r.bound))} ops/s)`],
    ],
  );
  return checks;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchDrain(Number(process.argv[2] ?? 3));
}
