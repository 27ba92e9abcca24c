/**
 * Generators of the fault-schedule property: a random client set-up (store, rate limit) and a
 * random list of steps that interleave calls (direct or request-scoped, keyed or not, batched or
 * not, some repeating earlier ones) with changes of the emulator's faults.
 *
 * A schedule is plain data, so fast-check prints it as the counterexample of a failing run.
 * Markers, keys and header values are assigned by the runner in step order, so one schedule always
 * makes the same calls.
 */
import fc from 'fast-check';
import type { FaultSpec } from '../../src/testing/index.js';

/** The small pool of people the calls address (one is an email: it goes on v1 routes, never in a v2 batch). */
export const PEOPLE = ['p0', 'p1', 'p2', 'p3@example.com'] as const;

/** The operations the schedules use: events (ULID de-duplicated), identify (ordered), and an at-most-once send. */
export const OPS = ['identify', 'track', 'trackAnonymous', 'trackPageView', 'sendEmail'] as const;
export type OpKind = (typeof OPS)[number];

/** Where the fallback queue lives. */
export type StoreKind = 'memory' | 'sqlite' | 'bullmq';

/** One call, before the runner gives it its marker. */
export interface CallSpec {
  readonly op: OpKind;
  /** Index in {@link PEOPLE}. */
  readonly person: number;
  /** A small-range attribute of identify (so values repeat: a:1, a:2, a:1 must leave a:1). */
  readonly w: number;
  /** `{ batch: true }` (direct calls; request-scoped calls are always batched). */
  readonly batch: boolean;
  /** Direct calls: give a fresh `idempotencyKey`. */
  readonly keyed: boolean;
  /** Break a Customer.io limit, so the client must answer `rejected` without a request. */
  readonly invalid: boolean;
}

/** One step of a schedule. */
export type Step =
  /** A direct call on the client. */
  | { readonly kind: 'call'; readonly call: CallSpec }
  /**
   * A direct call repeating the earlier direct call number `of` (modulo their count): a keyless one
   * with identical arguments (two calls, two deliveries); a keyed one with the same key, and the same
   * arguments or (`fresh`) a new marker (one operation: one delivery, the others `duplicate`).
   */
  | { readonly kind: 'again'; readonly of: number; readonly fresh: boolean }
  /** An HTTP request to the Express app whose handler makes these calls on `req.cio`, with or without an `Idempotency-Key`. */
  | { readonly kind: 'request'; readonly calls: readonly CallSpec[]; readonly header: boolean }
  /** The earlier request number `of` (modulo their count) sent again, byte for byte (a client retrying it). */
  | { readonly kind: 'resend'; readonly of: number }
  /** Install a fault rule. */
  | { readonly kind: 'fault'; readonly spec: FaultSpec }
  /** Remove every fault rule. */
  | { readonly kind: 'clear' }
  /** Stop the emulator (connections refused, open sockets destroyed). */
  | { readonly kind: 'down' }
  /** Start it again. */
  | { readonly kind: 'up' }
  /** Let time pass. */
  | { readonly kind: 'pause'; readonly ms: number };

/** A whole run: the client's set-up and its steps. */
export interface Schedule {
  readonly store: StoreKind;
  /** Client-side rate limit (requests per second), or `false`. */
  readonly rateLimit: number | false;
  readonly steps: readonly Step[];
}

const callSpec = (direct: boolean): fc.Arbitrary<CallSpec> =>
  fc.record({
    op: fc.oneof(
      { weight: 3, arbitrary: fc.constant<OpKind>('identify') },
      { weight: 3, arbitrary: fc.constant<OpKind>('track') },
      { weight: 1, arbitrary: fc.constant<OpKind>('trackAnonymous') },
      { weight: 2, arbitrary: fc.constant<OpKind>('trackPageView') },
      { weight: 2, arbitrary: fc.constant<OpKind>('sendEmail') },
    ),
    person: fc.nat({ max: PEOPLE.length - 1 }),
    w: fc.integer({ min: 1, max: 3 }),
    batch: direct ? fc.boolean() : fc.constant(true),
    keyed: direct ? fc.boolean() : fc.constant(false),
    invalid: fc.nat({ max: 19 }).map((n) => n === 0),
  });

const times = fc.integer({ min: 1, max: 4 });

/** The fault kinds of the issue: 503 bursts, 429 + Retry-After (0-1 s, and a rare 30 s), HTML 502, hangs, resets, slow acceptance, applied-then-lost. */
const faultKind: fc.Arbitrary<FaultSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ status: fc.constant(503), times }) },
  { weight: 2, arbitrary: fc.record({ status: fc.constant(503), forMs: fc.integer({ min: 20, max: 300 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ status: fc.constant(429), retryAfter: fc.constantFrom(0, 1), times: fc.integer({ min: 1, max: 2 }) }),
  },
  // A Retry-After far beyond retry.maxRetryAfterMs (500 ms): calls go to the queue, and the drainer must not sleep it out.
  { weight: 1, arbitrary: fc.record({ status: fc.constant(429), retryAfter: fc.constant(30), times: fc.constant(1) }) },
  { weight: 2, arbitrary: fc.record({ status: fc.constant(502), body: fc.constant('html'), times }) },
  { weight: 1, arbitrary: fc.record({ hang: fc.constant(true), times: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ reset: fc.constant(true), times }) },
  // Slow acceptance within the attempt timeout (150 ms): the answer comes, late.
  { weight: 2, arbitrary: fc.record({ delayMs: fc.integer({ min: 5, max: 100 }), times }) },
  // Slower than the timeout, on the App API: the send is applied after the client gave up (the
  // at-most-once case). Not on the Track API: a v1 identify applied that late would overwrite a newer
  // one whatever the client does (v1 identify carries no timestamp); applyThen covers lost answers there.
  {
    weight: 1,
    arbitrary: fc.record({ delayMs: fc.integer({ min: 200, max: 300 }), times, match: fc.constant({ api: 'app' as const }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ applyThen: fc.constantFrom<'reset' | 'hang'>('reset', 'hang'), times: fc.integer({ min: 1, max: 3 }) }),
  },
);

/** A fault rule, for every request or only the Track or App API's. */
export const faultSpec: fc.Arbitrary<FaultSpec> = fc
  .tuple(faultKind, fc.constantFrom<FaultSpec['match']>(undefined, undefined, undefined, { api: 'track' }, { api: 'app' }))
  .map(([spec, match]) => (match === undefined || spec.match !== undefined ? spec : { ...spec, match }));

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: callSpec(true).map((call): Step => ({ kind: 'call', call })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('again' as const), of: fc.nat(), fresh: fc.boolean() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      calls: fc.array(callSpec(false), { minLength: 1, maxLength: 2 }),
      header: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resend' as const), of: fc.nat() }) },
  { weight: 6, arbitrary: faultSpec.map((spec): Step => ({ kind: 'fault', spec })) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'clear' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'down' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'up' }) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 60 }).map((ms): Step => ({ kind: 'pause', ms })) },
);

/** A random schedule: the store, the rate limit, and 6 to 40 steps. */
export const schedule: fc.Arbitrary<Schedule> = fc.record({
  store: fc.oneof(
    { weight: 2, arbitrary: fc.constant<StoreKind>('memory') },
    { weight: 1, arbitrary: fc.constant<StoreKind>('sqlite') },
    { weight: 1, arbitrary: fc.constant<StoreKind>('bullmq') },
  ),
  rateLimit: fc.oneof({ weight: 3, arbitrary: fc.constant<false>(false) }, { weight: 1, arbitrary: fc.integer({ min: 20, max: 200 }) }),
  steps: fc.array(step, { minLength: 6, maxLength: 40 }),
});
