/**
 * `customerio-resilience/redis`: a fallback queue shared by every instance of an app, on BullMQ,
 * and an idempotency store shared the same way, on ioredis. Both packages are optional peer
 * dependencies, loaded only by this entry point.
 * @packageDocumentation
 */
import type { IdempotencyStore } from '../idempotency/store.js';
import type { QueueStore } from '../queue/store.js';
import { BullmqQueue } from './redis/bullmqQueue.js';
import { RedisIdempotencyStore } from './redis/idempotencyStore.js';
import { normalizeBullmqOptions, type BullmqQueueOptions, type RedisIdempotencyOptions } from './redis/options.js';

export { BULLMQ_QUEUE_DEFAULTS } from './redis/options.js';
export { REDIS_IDEMPOTENCY_DEFAULTS } from './redis/idempotencyStore.js';
export type { BullmqQueueOptions, RedisIdempotencyOptions } from './redis/options.js';
export type { RedisConnectionInput } from './redis/connection.js';
export type { QueueStore, QueueEntry, DeadLetter, QueueStats, PushOutcome } from '../queue/store.js';
export type { IdempotencyStore } from '../idempotency/store.js';

/**
 * A fallback queue in Redis, on BullMQ, that several app instances (processes, hosts) share.
 *
 * - Leases: `take` moves jobs to BullMQ's active state atomically, so no two instances ever hold
 *   the same entry at once; the lease is the job's lock, set to `leaseMs`. An expired lease is
 *   noticed by BullMQ's stalled-job check (run by every instance, at most once per
 *   `stalledIntervalMs` across the fleet) and the entry goes back to the front of the queue,
 *   within about `leaseMs + 2 × stalledIntervalMs`. `close()` gives back leases still held.
 * - Each person's order holds across the fleet: every entry with a non-empty `personKey` is
 *   also recorded in a per-person index in push order, and an entry is handed out only while it
 *   is the first of its person in that index, so one person's operations are delivered one at a
 *   time, in push order, whichever instance takes them. A fetched entry whose person has an
 *   earlier entry out is set aside (delayed) and promoted when that entry is acked or
 *   dead-lettered. (Two pushes for one person from two instances at the same moment are ordered
 *   by whichever reaches Redis first; a process dying in the middle of a push can leave that one
 *   entry outside the index: it is then handed out once its person has no indexed entry left.)
 * - Global order is FIFO by push, with two exceptions: an entry retried with a delay, or set
 *   aside behind its person's earlier entry, rejoins at the tail when it becomes ready again
 *   (an entry retried with `delayMs` 0, or whose lease ran out, goes back to the front).
 * - Delivery is at least once: an instance whose lease ran out may still ack an entry another
 *   instance has since taken; both deliver it (events carry a ULID, so Customer.io drops the copy).
 *   `retry` applies to entries this instance holds; `ack` and `deadLetter` also remove entries
 *   no one holds.
 * - An unreachable Redis never hangs a caller: each call rejects after `operationTimeoutMs`,
 *   and `close()` gives up on Redis after `closeTimeoutMs`. The connections are open until
 *   `close()` (they keep the process alive; the store's own timer does not).
 * - A push never happens after its caller was told it failed. It runs on a connection of its
 *   own without ioredis' offline queue: a write is sent at once or refused, never held for a
 *   reconnect nor re-sent after one, and a push that timed out before its write was sent is
 *   dropped. Its rejection carries `maybeQueued`: `false` when the entry surely is not stored and
 *   never will be (Redis unreachable, or no answer within `operationTimeoutMs` before the write
 *   was sent), `true` when the write was sent but not confirmed (its reply timed out or the
 *   connection dropped with it outstanding): the entry may be stored, and then it is delivered.
 *   An entry Redis confirmed resolves `'queued'` even if indexing it for its person's order then
 *   fails (it is then ordered as described above for an entry outside the index).
 * - After Redis restarts (or a connection drops) draining resumes within seconds: the store's
 *   connections reconnect within about 2 s (unless the connection options set `retryStrategy`),
 *   and nothing stays leased to a take whose caller never got it: a take that gives up (after
 *   `operationTimeoutMs`) sends nothing more and gives back what it had fetched, and the first
 *   take after a dropped connection or a failed take gives back the leases this instance lost
 *   track of (a fetch whose reply was lost) and those whose lock has run out, instead of leaving
 *   them to `leaseMs` and the stalled check.
 * - Entry ids are the BullMQ job ids (a re-push of a queued id is ignored), so they must not
 *   contain `:` nor read as a whole number. Dead letters live under `<prefix>:<name>:_cio:dead`.
 * - `maxSize` is checked before each push, so a fleet pushing at once may overshoot it slightly.
 * - Redis must keep keys (`maxmemory-policy noeviction`). Standalone and sentinel setups are
 *   supported; a Redis Cluster instance is refused.
 *
 * @throws TypeError or RangeError for invalid options.
 */
export function bullmqQueue(options: BullmqQueueOptions): QueueStore {
  return new BullmqQueue(normalizeBullmqOptions(options));
}

/**
 * An idempotency store in Redis, shared by every app instance: `reserve` is one atomic
 * `SET <prefix>:<key> 1 NX PX <ttlMs>`, `release` a `DEL`. Keys expire on their own after their TTL.
 * Calls reject after `operationTimeoutMs` when Redis does not answer (the caller decides
 * whether to go on without the guard).
 * @throws TypeError for invalid options.
 */
export function redisIdempotencyStore(options: RedisIdempotencyOptions): IdempotencyStore {
  return new RedisIdempotencyStore(options);
}
