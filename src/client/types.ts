
export type {
  AppOperationName,
  CallOptions,
  CioResult,
  CioResultStatus,
  OperationName,
  TrackOperationName,
} from '../operations/types.js';

import type { CircuitStateName } from '../policies/settings.js';

export type { CircuitStateName };

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

import type { ApiName } from '../operations/spec.js';

export type { ApiName };

/** One API's circuit, as `health().apis` reports it. */
export interface ApiHealth {
  circuit_state: CircuitStateName;
  /** Consecutive transient failures seen by this API's breaker (0 after a success). */
  failure_count: number;
  /** ISO time of this API's last transient failure, or null. */
  last_failure: string | null;
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
  /** Each API's circuit. The fields above are the Track API's (it carries almost every call). */
  apis: Record<ApiName, ApiHealth>;
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
