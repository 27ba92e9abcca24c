import { CioClosedError } from '../errors/CioError.js';

/** Options of {@link TokenBucket} (the client's `rateLimit` option). */
export interface TokenBucketOptions {
  /** Tokens added per second: the sustained rate. Any finite number > 0 (0.1 means one every 10 s). */
  perSecond: number;
  /**
   * Most tokens the bucket holds: how many calls may start at once after a quiet spell. It starts full.
   * @default Math.max(1, perSecond), i.e. one second's worth, and at least one call
   */
  burst?: number;
  /**
   * Clock in milliseconds; only differences matter.
   * @default () => performance.now()
   */
  now?: () => number;
}

interface Waiter {
  readonly n: number;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Tolerance for floating-point drift when tokens are refilled in fractions. */
const EPSILON = 1e-9;

/**
 * A client-side token bucket, for staying under Customer.io's rate limits (cockatiel has no limiter).
 *
 * Tokens refill continuously at `perSecond` up to `burst`. {@link TokenBucket.take} waits in FIFO
 * order: a caller never overtakes one that is already waiting, and {@link TokenBucket.tryTake} does not
 * jump the queue either. At most one timer runs at a time, and it is `unref()`'d so a waiting call never
 * keeps the process alive. Closing twice is harmless.
 */
export class TokenBucket {
  /** The sustained rate, tokens per second. */
  readonly perSecond: number;
  /** The bucket's capacity. */
  readonly burst: number;
  readonly #now: () => number;
  readonly #waiters: Waiter[] = [];
  #tokens: number;
  #updatedAt: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * @throws TypeError when `options` is not an object or `now` is not a function.
   * @throws RangeError when `perSecond` is not a finite number > 0 or `burst` not a finite number >= 1.
   */
  constructor(options: TokenBucketOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`rateLimit must be an object, got ${options === null ? 'null' : typeof options}`);
    }
    const { perSecond, burst = Math.max(1, perSecond), now = () => performance.now() } = options;
    if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond <= 0) {
      throw new RangeError(`rateLimit.perSecond must be a finite number > 0, got ${String(perSecond)}`);
    }
    if (typeof burst !== 'number' || !Number.isFinite(burst) || burst < 1) {
      throw new RangeError(`rateLimit.burst must be a finite number >= 1, got ${String(burst)}`);
    }
    if (typeof now !== 'function') throw new TypeError(`rateLimit.now must be a function, got ${typeof now}`);
    this.perSecond = perSecond;
    this.burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#updatedAt = now();
  }

  /** How many {@link TokenBucket.take} calls are waiting. */
  get pending(): number {
    return this.#waiters.length;
  }

  /** Whether {@link TokenBucket.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Takes `n` tokens if they are available now and nobody is waiting.
   * @returns `true` when taken; `false` otherwise (and always after close).
   * @throws RangeError when `n` is not a finite number > 0 and <= `burst`.
   */
  tryTake(n = 1): boolean {
    this.#checkCount(n);
    if (this.#closed || this.#waiters.length > 0) return false;
    this.#refill();
    if (this.#tokens + EPSILON < n) return false;
    this.#tokens = Math.max(0, this.#tokens - n);
    return true;
  }

  /**
   * Milliseconds until a new {@link TokenBucket.take | take(n)} would be granted, counting the callers
   * already waiting ahead of it. `0` means now; `Infinity` after close.
   * @throws RangeError when `n` is not a finite number > 0 and <= `burst`.
   */
  waitMs(n = 1): number {
    this.#checkCount(n);
    if (this.#closed) return Number.POSITIVE_INFINITY;
    this.#refill();
    const demand = this.#waiters.reduce((sum, waiter) => sum + waiter.n, n);
    const deficit = demand - this.#tokens;
    return deficit <= EPSILON ? 0 : Math.ceil((deficit * 1000) / this.perSecond);
  }

  /**
   * Waits until `n` tokens are available, behind every caller already waiting, then takes them.
   *
   * @param signal Aborting it rejects the promise with `signal.reason` and gives up the place in line.
   * @returns A promise that resolves once the tokens are taken; rejects with a `CioClosedError` (code
   *   `CLOSED`) if the bucket is or gets closed, or a `RangeError` for an invalid `n`.
   */
  take(n = 1, signal?: AbortSignal): Promise<void> {
    try {
      this.#checkCount(n);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.reject(new CioClosedError());
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (this.tryTake(n)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { n, resolve, reject };
      if (signal !== undefined) {
        waiter.signal = signal;
        waiter.onAbort = () => this.#abort(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      if (this.#waiters.length === 1) this.#drain();
    });
  }

  /** Rejects every waiting {@link TokenBucket.take} with a `CioClosedError` and stops the timer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    for (const waiter of this.#waiters.splice(0)) {
      this.#release(waiter);
      waiter.reject(new CioClosedError());
    }
  }

  #checkCount(n: number): void {
    if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > this.burst) {
      throw new RangeError(`token count must be a finite number > 0 and <= burst (${this.burst}), got ${String(n)}`);
    }
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#updatedAt;
    if (elapsed > 0) this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.perSecond) / 1000);
    this.#updatedAt = now;
  }

  /** Grants every waiter at the head of the line that can be served now, then times the next one. */
  #drain(): void {
    this.#clearTimer();
    this.#refill();
    let head = this.#waiters[0];
    while (head !== undefined && this.#tokens + EPSILON >= head.n) {
      this.#tokens = Math.max(0, this.#tokens - head.n);
      this.#waiters.shift();
      this.#release(head);
      head.resolve();
      head = this.#waiters[0];
    }
    if (head === undefined) return;
    const delay = Math.max(1, Math.ceil(((head.n - this.#tokens) * 1000) / this.perSecond));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drain();
    }, delay);
    this.#timer.unref();
  }

  #abort(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index < 0) return;
    this.#waiters.splice(index, 1);
    this.#release(waiter);
    waiter.reject(waiter.signal?.reason);
    if (index === 0) this.#drain();
  }

  #release(waiter: Waiter): void {
    if (waiter.signal !== undefined && waiter.onAbort !== undefined) {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
    }
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Creates a {@link TokenBucket}; see its options. */
export function rateLimiter(options: TokenBucketOptions): TokenBucket {
  return new TokenBucket(options);
}
