import type { CioError } from '../errors/CioError.js';

/** Operations of the Track API that this client wraps. */
export type TrackOperationName =
  | 'identify'
  | 'track'
  | 'trackAnonymous'
  | 'trackPageView'
  | 'destroy'
  | 'suppress'
  | 'unsuppress'
  | 'addDevice'
  | 'deleteDevice'
  | 'mergeCustomers';

/** Operations of the App API (transactional sends and broadcasts) that this client wraps. */
export type AppOperationName = 'sendEmail' | 'sendPush' | 'triggerBroadcast';

/** Every Customer.io operation the client offers. */
export type OperationName = TrackOperationName | AppOperationName;

/** The outcome of one call. */
export type CioResultStatus = 'sent' | 'queued' | 'duplicate' | 'rejected' | 'failed' | 'dropped';

/** What every client method resolves to. It never rejects. */
export interface CioResult {
  /**
   * - `sent`: Customer.io accepted it.
   * - `queued`: held in the fallback queue, to be delivered later.
   * - `duplicate`: a call with this idempotency key was sent or queued within its TTL (or is in flight); nothing was sent.
   * - `rejected`: invalid input or a permanent 4xx; not retried, not queued.
   * - `failed`: a transient failure with no queue able to take it (or an ambiguous one).
   * - `dropped`: the queue was full.
   */
  status: CioResultStatus;
  /** `'track'`, `'identify'`, … (or the decorator's operation name). */
  operation: string;
  /** The call's idempotency key as given (or under a request's `Idempotency-Key`); `''` for a call without one. */
  idempotencyKey: string;
  /** HTTP attempts this call made. */
  attempts: number;
  /** Why it was not sent; typed, never holds credentials. */
  error?: CioError;
  /** The ULID `id` of the event, for `track`, `trackAnonymous` and `trackPageView`. */
  eventId?: string;
  /**
   * Set on a `queued` result whose push the queue store could not confirm (a remote store such as
   * `bullmqQueue` sent the write, but its answer was lost): it may or may not be stored. Do not send
   * it again yourself: if it is stored it will be delivered.
   */
  maybeQueued?: true;
}

/** The optional last argument of every operation. */
export interface CallOptions {
  /**
   * A key that makes repeats of this call within the idempotency TTL (`idempotency.ttlMs`) send
   * once: a later call with the same operation and key resolves `duplicate`, and concurrent ones
   * make one request. A non-empty string; one longer than 200 characters is kept as its hash.
   * Default: none, and a call without a key is never treated as a repeat (identical content is not
   * a duplicate), unless the client opted in to `idempotency.contentKeys`.
   */
  idempotencyKey?: string;
  /**
   * Lets the call wait up to the client's `batch.maxDelayMs` to go out in one Track v2 batch request
   * with other calls (identify, track, trackPageView, destroy, suppress, unsuppress; any other call,
   * or one Customer.io's batches cannot carry, goes on its own). Request-scoped calls always ask for it.
   * A batched call is taken in (validated, keyed) with the other batched calls of the same turn of
   * the event loop, just after it: do not change its arguments after the call (request-scoped calls
   * are copied when made, so this only concerns direct calls).
   * @default false
   */
  batch?: boolean;
}

/** State of the circuit breaker. */
export type CircuitStateName = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'ISOLATED';

/** Figures of the fallback queue. */
export interface QueueHealth {
  /** `'memory'`, `'sqlite'`, `'bullmq'`, or `'none'`. */
  store: string;
  /** Operations waiting to be replayed. */
  depth: number;
  /** Age of the oldest waiting operation, in ms (0 when empty). */
  oldest_age_ms: number;
  /** Operations refused because the queue was full, since start. */
  dropped: number;
  /** Operations kept as dead letters (permanent or ambiguous failures). */
  dead_letter: number;
}

/** What `health()` reports. Never holds credentials. */
export interface CioHealth {
  /** `pass` while CLOSED and the queue is empty; `warn` while degraded (half-open or a backlog); `fail` while OPEN or ISOLATED. */
  status: 'pass' | 'warn' | 'fail';
  circuit_state: CircuitStateName;
  /** Consecutive transient failures seen by the breaker (0 after a success). */
  failure_count: number;
  /** ISO time of the last transient failure, or null. */
  last_failure: string | null;
  queue: QueueHealth;
}

/** Options of `flush()` and `close()`. */
export interface DrainOptions {
  /** How long to keep delivering before giving up (what is left stays queued / persisted). @default 10000 */
  timeoutMs?: number;
}

/** What `flush()` achieved. */
export interface FlushResult {
  /** Operations delivered during the flush. */
  delivered: number;
  /** Operations still waiting when the flush ended. */
  remaining: number;
}
