import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  type RetryPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import { CioCircuitOpenError, CioClosedError, CioError } from '../errors/CioError.js';
import type { CircuitStateName, PolicySettings } from './settings.js';
import { retryAfterBackoff } from './backoff.js';
import { classifyError } from './classify.js';
import { TokenBucket } from './rateLimiter.js';
import type { Redactor } from './redact.js';
import type { Trace } from '../telemetry/tracing.js';

/** Codes that mean Customer.io (or the way to it) is unhealthy: these count towards the breaker. */
const OUTAGE_CODES = new Set(['TRANSIENT', 'NETWORK', 'TIMEOUT']);

/** True when an error is a sign of an outage (counts towards the circuit breaker). */
function isOutageError(err: unknown): err is CioError {
  return err instanceof CioError && OUTAGE_CODES.has(err.code);
}

/** The error of a call deferred by the rate limit: built without a stack trace (it is no bug, and it can be frequent). */
function rateLimited(): CioError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new CioError('RATE_LIMITED', 'The client-side rate limit would delay this call; it was queued, nothing was sent', true, {
      maybeDelivered: false,
    });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Shared by every call refused while the circuit is open (no stack trace: it is no bug). */
const CIRCUIT_OPEN: CioError = (() => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return Object.freeze(new CioCircuitOpenError()) as CioError;
  } finally {
    Error.stackTraceLimit = limit;
  }
})();

/** How one call asks the pipeline to behave. */
export interface RunOptions {
  /** Whether a repeat after an ambiguous failure (the request may have taken effect) is harmless. */
  repeatable: boolean;
  /** Whether a call may skip waiting for the rate limiter when the wait is long (it will be queued instead). */
  canDefer: boolean;
  /** Called before each retry. */
  onRetry?: ((attempt: number, delayMs: number, error: CioError) => void) | undefined;
  /** The operation's own rate limit, on top of its API's (a broadcast trigger's 1 request per 10 s). */
  limit?: TokenBucket | undefined;
  /** The span the run belongs to: it gets the circuit state and an event per retry, and the attempts run inside it. */
  trace?: Trace | undefined;
}

/** What a run ended with. Never thrown. */
export type RunOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: CioError; attempts: number };

/** Events the pipeline reports to its owner. */
export interface PipelineHooks {
  onStateChange(state: CircuitStateName, lastError: CioError | undefined): void;
}

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'CLOSED',
  [CircuitState.Open]: 'OPEN',
  [CircuitState.HalfOpen]: 'HALF_OPEN',
  [CircuitState.Isolated]: 'ISOLATED',
};

/**
 * The one place that composes the policies: retry (backoff with jitter, honouring
 * Retry-After, never retrying a permanent error) → circuit breaker (only outages count) →
 * rate limit → attempt timeout → the call itself. Every failure comes out as a typed {@link CioError}.
 */
export class Pipeline {
  readonly #options: PolicySettings;
  readonly #redact: Redactor;
  readonly #breaker: CircuitBreakerPolicy | undefined;
  readonly #bucket: TokenBucket | undefined;
  readonly #timeout: TimeoutPolicy;
  readonly #retrySafe: RetryPolicy;
  readonly #retryAll: RetryPolicy;
  readonly #disposers: Array<{ dispose(): void }> = [];
  /**
   * Who hears a retry: the retry policies are shared by every call and report every call's retries
   * to every listener, so one listener per policy looks up the run an error was thrown by (a run
   * registers each error its attempt throws). No listener is added or removed per call.
   */
  readonly #retryOwners = new WeakMap<object, (delayMs: number, error: CioError) => void>();
  #failureCount = 0;
  #lastFailure: number | null = null;
  #lastError: CioError | undefined;
  #openedAt = 0;
  #closed = false;

  constructor(options: PolicySettings, redact: Redactor, hooks: PipelineHooks) {
    this.#options = options;
    this.#redact = redact;
    const b = options.breaker;
    if (b) {
      this.#breaker = circuitBreaker(handleWhen(isOutageError), {
        halfOpenAfter: b.halfOpenAfterMs,
        breaker:
          b.kind === 'consecutive'
            ? new ConsecutiveBreaker(b.threshold)
            : new SamplingBreaker({ threshold: b.threshold, duration: b.durationMs, minimumRps: b.minimumRps }),
      });
      this.#disposers.push(
        this.#breaker.onStateChange((state) => {
          if (state === CircuitState.Open) this.#openedAt = Date.now();
          hooks.onStateChange(STATE_NAMES[state], this.#lastError);
        }),
      );
    }
    if (options.rateLimit) {
      this.#bucket = new TokenBucket({ perSecond: options.rateLimit.perSecond, burst: options.rateLimit.burst });
    }
    // The signal is aborted only on timeout: aborting it after every successful call (cockatiel's
    // default) builds a DOMException with a stack trace per call, a measurable cost on the hot path.
    // Aggressive: every attempt ends at timeoutMs whatever `fn` does (the SDK also aborts its own
    // request then, but it follows redirects with a fresh timeout per hop).
    this.#timeout = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    const backoff = retryAfterBackoff({
      initialDelayMs: options.retry.initialDelayMs,
      maxDelayMs: options.retry.maxDelayMs,
      maxRetryAfterMs: options.retry.maxRetryAfterMs,
    });
    const retries = options.retry.maxAttempts - 1;
    const maxRetryAfter = options.retry.maxRetryAfterMs;
    const retryable = (err: unknown, repeatable: boolean): boolean =>
      err instanceof CioError &&
      err.retryable &&
      OUTAGE_CODES.has(err.code) &&
      (repeatable || !err.maybeDelivered) &&
      (err.retryAfterMs === undefined || err.retryAfterMs <= maxRetryAfter);
    this.#retryAll = retry(handleWhen((e) => retryable(e, true)), { maxAttempts: retries, backoff });
    this.#retrySafe = retry(handleWhen((e) => retryable(e, false)), { maxAttempts: retries, backoff });
    for (const policy of [this.#retryAll, this.#retrySafe]) {
      this.#disposers.push(
        policy.onRetry((e) => {
          if (!('error' in e) || !(e.error instanceof CioError)) return;
          this.#retryOwners.get(e.error)?.(e.delay, e.error);
        }),
      );
    }
  }

  /** Current circuit state. */
  get circuitState(): CircuitStateName {
    return this.#breaker ? STATE_NAMES[this.#breaker.state] : 'CLOSED';
  }

  /** Consecutive outage failures (0 after any answer from Customer.io). */
  get failureCount(): number {
    return this.#failureCount;
  }

  /** Time of the last outage failure (ms since the epoch), or null. */
  get lastFailure(): number | null {
    return this.#lastFailure;
  }

  /** The last outage error seen, for health and events. */
  get lastError(): CioError | undefined {
    return this.#lastError;
  }

  /**
   * Whether a call now would reach Customer.io: the circuit is closed or half-open, or it has
   * been open long enough that the next call is the half-open probe.
   */
  get canProbe(): boolean {
    if (!this.#breaker) return true;
    const state = this.#breaker.state;
    if (state === CircuitState.Isolated) return false;
    if (state !== CircuitState.Open) return true;
    const b = this.#options.breaker;
    return Date.now() - this.#openedAt >= (b ? b.halfOpenAfterMs : 0);
  }

  /** How long until a call may probe the open circuit (0 when it may now, or the circuit is not open). */
  get msUntilProbe(): number {
    if (!this.#breaker || this.#breaker.state !== CircuitState.Open) return 0;
    const b = this.#options.breaker;
    return Math.max(0, this.#openedAt + (b ? b.halfOpenAfterMs : 0) - Date.now());
  }

  /** The rate limiter, shared with the queue drainer. */
  get bucket(): TokenBucket | undefined {
    return this.#bucket;
  }

  /** Whether it has a circuit breaker (`breaker` not `false`). */
  get hasBreaker(): boolean {
    return this.#breaker !== undefined;
  }

  /** Holds the circuit open until the returned handle is disposed (maintenance, tests). */
  isolate(): { dispose(): void } {
    if (!this.#breaker) throw new TypeError('isolate(): the client has no circuit breaker (breaker: false)');
    return this.#breaker.isolate();
  }

  /**
   * Runs `fn` under every policy. `fn` gets an AbortSignal and must reject on failure; a synchronous
   * throw counts as a rejection (the timeout policy calls `fn` inside an async function).
   */
  async run<T>(fn: (signal: AbortSignal) => Promise<T>, opts: RunOptions): Promise<RunOutcome<T>> {
    const trace = opts.trace;
    trace?.set('customerio.circuit_state', this.circuitState);
    // A call that may be deferred and would not be sent now (open circuit, rate limit) skips the
    // policies altogether: the cheap path of every call during an outage or a burst.
    if (opts.canDefer) {
      const early = this.#refusal(opts.limit);
      if (early) return { ok: false, error: early, attempts: 0 };
    }
    const limit = opts.limit;
    let attempts = 0;
    const policy = opts.repeatable || this.#options.nonIdempotentDelivery === 'at-least-once' ? this.#retryAll : this.#retrySafe;
    const onRetry = trace
      ? (attempt: number, delayMs: number, error: CioError) => {
          trace.retry(attempt, delayMs, error.code);
          opts.onRetry?.(attempt, delayMs, error);
        }
      : opts.onRetry;
    const send = trace ? (signal: AbortSignal) => trace.within(() => fn(signal)) : fn;
    const attemptTimeout = this.#timeout;
    const guarded = async (): Promise<T> => {
      if (limit) await limit.take();
      if (this.#bucket) await this.#bucket.take();
      attempts++;
      try {
        const value = await attemptTimeout.execute(({ signal }) => send(signal));
        this.#failureCount = 0;
        return value;
      } catch (err) {
        const error = classifyError(err, this.#redact);
        if (OUTAGE_CODES.has(error.code)) {
          this.#failureCount++;
          this.#lastFailure = Date.now();
          this.#lastError = error;
        } else if (error.status !== undefined) {
          this.#failureCount = 0;
        }
        throw error;
      }
    };
    const attempt = async (): Promise<T> => {
      try {
        // Once closed (close() gave up on this call at its deadline), no further attempt goes out.
        if (this.#closed) throw new CioClosedError();
        if (opts.canDefer && this.#overRate(limit)) throw rateLimited();
        return this.#breaker ? await this.#breaker.execute(guarded) : await guarded();
      } catch (err) {
        const thrown = err instanceof BrokenCircuitError ? new CioCircuitOpenError() : err;
        // Only this run hears the retry of what its own attempt threw (each failure is a new error).
        if (onRetry && thrown instanceof CioError) this.#retryOwners.set(thrown, (delayMs, error) => onRetry(attempts + 1, delayMs, error));
        throw thrown;
      }
    };
    try {
      const value = await policy.execute(attempt);
      return { ok: true, value, attempts };
    } catch (err) {
      return { ok: false, error: classifyError(err, this.#redact), attempts };
    }
  }

  /** Whether a call now would have to wait for the rate limiter (its API's, or its own `limit`) longer than `rateLimit.maxWaitMs`. */
  #overRate(limit?: TokenBucket): boolean {
    const maxWaitMs = this.#options.rateLimit === false ? 0 : this.#options.rateLimit.maxWaitMs;
    if (limit !== undefined && limit.waitMs() > maxWaitMs) return true;
    return this.#bucket !== undefined && this.#options.rateLimit !== false && this.#bucket.waitMs() > maxWaitMs;
  }

  /** Why a deferrable call would not be sent now, if it would not. */
  #refusal(limit?: TokenBucket): CioError | undefined {
    if (!this.canProbe) return CIRCUIT_OPEN;
    if (this.#overRate(limit)) return rateLimited();
    return undefined;
  }

  /** Releases timers (the rate limiter's waiters are rejected) and listeners; no attempt starts after it. Safe to call twice. */
  close(): void {
    this.#closed = true;
    for (const d of this.#disposers.splice(0)) d.dispose();
    this.#bucket?.close();
  }
}
