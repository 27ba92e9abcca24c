/** The settings of the policies every call runs through, as the client's options give them. */

/** Retry policy of each call. */
export interface RetryOptions {
  /** HTTP attempts per call, the first included. `1` turns retries off. @default 3 */
  maxAttempts?: number;
  /** Delay before the first retry (exponential backoff with jitter grows from it). @default 200 */
  initialDelayMs?: number;
  /** Longest delay between two attempts. @default 5000 */
  maxDelayMs?: number;
  /** Longest `Retry-After` wait honoured inside a call; a longer one sends the call to the queue. @default 30000 */
  maxRetryAfterMs?: number;
}

/** Circuit breaker that opens after a run of consecutive transient failures. */
export interface ConsecutiveBreakerOptions {
  /** Consecutive transient failures that open the circuit. @default 5 */
  threshold?: number;
  /** How long the circuit stays open before letting one probe through. @default 10000 */
  halfOpenAfterMs?: number;
}

/** Circuit breaker that opens when the failure rate over a window passes a threshold. */
export interface SamplingBreakerOptions {
  /** Failure rate (0 < x < 1) that opens the circuit. */
  threshold: number;
  /** Length of the sliding window. @default 30000 */
  durationMs?: number;
  /** Calls per second needed before the rate counts; low-traffic apps must set this low. @default 1 */
  minimumRps?: number;
  /** How long the circuit stays open before letting one probe through. @default 10000 */
  halfOpenAfterMs?: number;
  /** Marks the sampling form. */
  sampling: true;
}

/** Client-side rate limit (a token bucket). */
export interface RateLimitOptions {
  /** Requests per second to Customer.io from this client. @default 100 */
  perSecond?: number;
  /** Requests that may go at once after a quiet period. @default perSecond */
  burst?: number;
  /**
   * Longest a call waits for its turn. By default it never waits: a call over the rate goes to the
   * queue, which the drainer sends in v2 batches (one request carries up to `drain.batchSize`
   * operations), so the app is never slowed and a burst above the rate costs few requests. @default 0
   */
  maxWaitMs?: number;
}

/** State of the circuit breaker. */
export type CircuitStateName = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'ISOLATED';

/** The policy settings after defaults and validation. */
export interface PolicySettings {
  /** Attempt timeout, ms. */
  timeoutMs: number;
  retry: Required<RetryOptions>;
  breaker:
    | { kind: 'consecutive'; threshold: number; halfOpenAfterMs: number }
    | { kind: 'sampling'; threshold: number; durationMs: number; minimumRps: number; halfOpenAfterMs: number }
    | false;
  rateLimit: Required<RateLimitOptions> | false;
  /** Whether a send that may have taken effect and cannot be repeated safely is retried (`at-least-once`) or not. */
  nonIdempotentDelivery: 'at-most-once' | 'at-least-once';
}
