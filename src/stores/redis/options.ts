import { nonEmptyString, optionsObject, show, wholeNumber } from '../../queue/check.js';
import type { RedisConnectionInput } from './connection.js';

/** Options of `bullmqQueue`. */
export interface BullmqQueueOptions {
  /** ioredis options (the store makes its connections and closes them) or an ioredis instance (used, never closed by the store). */
  connection: RedisConnectionInput;
  /** The BullMQ queue name, shared by every app instance that drains the same queue. No `:`. */
  name: string;
  /** Key prefix of the queue (BullMQ's `prefix`); dead letters and indexes live under it too. @default 'cio' */
  prefix?: string;
  /** Most entries held across the fleet (checked before each push, so concurrent pushes may overshoot a little). @default 100000 */
  maxSize?: number;
  /** Most dead letters held; the oldest are deleted (and counted as dropped) beyond it. @default 100000 */
  maxDeadLetters?: number;
  /**
   * How often this instance looks for expired leases (BullMQ's stalled-job check; the fleet runs
   * it at most once per interval). An expired lease comes back within about two intervals.
   * @default 30000
   */
  stalledIntervalMs?: number;
  /** How long `close()` waits for Redis before dropping its connections. @default 5000 */
  closeTimeoutMs?: number;
  /**
   * Longest wait for Redis in any one call: past it the call rejects, so an unreachable Redis
   * never hangs the caller. A command already sent may still complete later, except that a push
   * whose write was not sent yet never is (its rejection says which: `maybeQueued`), and a take
   * gives back whatever it fetched after giving up. @default 5000
   */
  operationTimeoutMs?: number;
}

/** Defaults of {@link BullmqQueueOptions}. */
export const BULLMQ_QUEUE_DEFAULTS = Object.freeze({
  prefix: 'cio',
  maxSize: 100_000,
  maxDeadLetters: 100_000,
  stalledIntervalMs: 30_000,
  closeTimeoutMs: 5_000,
  operationTimeoutMs: 5_000,
});

/** {@link BullmqQueueOptions} with every default applied. */
export type NormalizedBullmqOptions = Required<BullmqQueueOptions>;

/** Options of `redisIdempotencyStore`. */
export interface RedisIdempotencyOptions {
  /** ioredis options (the store makes its connection and closes it) or an ioredis instance (used, never closed by the store). */
  connection: RedisConnectionInput;
  /** Prefix of the keys: a key `k` is stored as `<prefix>:k`. @default 'cio:idem' */
  prefix?: string;
  /** Longest wait for Redis in one call: past it the call rejects, so an unreachable Redis never hangs the caller. @default 2000 */
  operationTimeoutMs?: number;
}

const BULLMQ = 'bullmqQueue';

/** Validates `bullmqQueue` options eagerly and applies the defaults; never changes the caller's object. */
export function normalizeBullmqOptions(options: BullmqQueueOptions): NormalizedBullmqOptions {
  if (options === undefined) throw new TypeError(`${BULLMQ} options must be an object with a connection and a name, got undefined`);
  const o = optionsObject(BULLMQ, options);
  const name = nonEmptyString(`${BULLMQ}: name`, o.name);
  if (name.includes(':')) throw new RangeError(`${BULLMQ}: name must not contain ':', got ${show(name)}`);
  if (o.connection === undefined) throw new TypeError(`${BULLMQ}: connection must be ioredis options or an ioredis instance, got undefined`);
  return {
    connection: o.connection,
    name,
    prefix: nonEmptyString(`${BULLMQ}: prefix`, o.prefix, BULLMQ_QUEUE_DEFAULTS.prefix),
    maxSize: wholeNumber(`${BULLMQ}: maxSize`, o.maxSize, BULLMQ_QUEUE_DEFAULTS.maxSize, 1),
    maxDeadLetters: wholeNumber(`${BULLMQ}: maxDeadLetters`, o.maxDeadLetters, BULLMQ_QUEUE_DEFAULTS.maxDeadLetters, 0),
    stalledIntervalMs: wholeNumber(`${BULLMQ}: stalledIntervalMs`, o.stalledIntervalMs, BULLMQ_QUEUE_DEFAULTS.stalledIntervalMs, 10),
    closeTimeoutMs: wholeNumber(`${BULLMQ}: closeTimeoutMs`, o.closeTimeoutMs, BULLMQ_QUEUE_DEFAULTS.closeTimeoutMs, 0),
    operationTimeoutMs: wholeNumber(`${BULLMQ}: operationTimeoutMs`, o.operationTimeoutMs, BULLMQ_QUEUE_DEFAULTS.operationTimeoutMs, 1),
  };
}
