import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import { capRetryAfter } from './retryAfter.js';

/** Options of {@link retryAfterBackoff}. */
export interface RetryAfterBackoffOptions {
  /** Upper bound of the first delay, in milliseconds; doubles with each further attempt. */
  initialDelayMs: number;
  /** No exponential delay exceeds this, in milliseconds. */
  maxDelayMs: number;
  /** A server's `Retry-After` is honoured up to this many milliseconds. */
  maxRetryAfterMs: number;
  /**
   * Source of randomness in `[0, 1)`, injectable for deterministic tests.
   * @default Math.random
   */
  random?: () => number;
}

/** The context cockatiel's `retry` passes to a backoff. */
export type RetryBackoffContext = IRetryBackoffContext<unknown>;

/**
 * A cockatiel backoff that honours `Retry-After` and otherwise backs off exponentially with full jitter.
 *
 * - When the failure that caused the retry carries a `retryAfterMs` (a `CioError` from a 429/503 with a
 *   `Retry-After` header, or any error object with a numeric `retryAfterMs`), the delay is exactly
 *   `min(retryAfterMs, maxRetryAfterMs)`: never sooner than the server asked, unless capped.
 * - Otherwise, before retry number `n` (1-based) the delay is uniform in
 *   `[0, min(maxDelayMs, initialDelayMs × 2^(n-1)))` ("full jitter", AWS Architecture Blog, 2015). Full
 *   jitter was chosen over decorrelated jitter because every delay stays under a known envelope, which
 *   makes the worst-case time to give up easy to state and to test.
 *
 * @throws RangeError when an option is not a finite number >= 0, or `maxDelayMs < initialDelayMs`.
 *
 * @example
 * ```ts
 * const backoff = retryAfterBackoff({ initialDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 });
 * const policy = retry(handleAll, { maxAttempts: 3, backoff }); // cockatiel counts retries: up to 4 calls
 * ```
 */
export function retryAfterBackoff(options: RetryAfterBackoffOptions): IBackoffFactory<RetryBackoffContext> {
  const initialDelayMs = checkDelay('retry.initialDelayMs', options.initialDelayMs);
  const maxDelayMs = checkDelay('retry.maxDelayMs', options.maxDelayMs);
  const maxRetryAfterMs = checkDelay('retry.maxRetryAfterMs', options.maxRetryAfterMs);
  if (maxDelayMs < initialDelayMs) {
    throw new RangeError(`retry.maxDelayMs must be >= retry.initialDelayMs (${initialDelayMs}), got ${maxDelayMs}`);
  }
  const random = options.random ?? Math.random;

  const delayFor = (context: RetryBackoffContext): number => {
    const retryAfterMs = 'error' in context.result ? retryAfterOf(context.result.error) : undefined;
    if (retryAfterMs !== undefined) return capRetryAfter(retryAfterMs, maxRetryAfterMs);
    const exponent = Math.max(0, context.attempt - 1);
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** exponent);
    return Math.floor(clampUnit(random()) * ceiling);
  };

  const factory: IBackoffFactory<RetryBackoffContext> = {
    next(context: RetryBackoffContext): IBackoff<RetryBackoffContext> {
      return { duration: delayFor(context), next: factory.next };
    },
  };
  return factory;
}

/** The server-requested delay a failure carries, if any. */
function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value: unknown = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && !Number.isNaN(value) ? value : undefined;
}

/** Keeps an injected random source inside `[0, 1)` so the envelope always holds. */
function clampUnit(value: number): number {
  return value >= 0 && value < 1 ? value : value >= 1 ? 1 - Number.EPSILON : 0;
}

function checkDelay(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new RangeError(`${name} must be a finite number >= 0, got ${String(value)}`);
}
