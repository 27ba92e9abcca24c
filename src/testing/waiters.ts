/** A pending `waitFor*` call. */
interface Waiter {
  readonly done: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Event-driven waits on counters: {@link Waiters.check} is called whenever a counter grows, and each
 * wait settles as soon as its condition holds, or rejects on timeout or {@link Waiters.rejectAll}.
 */
export class Waiters {
  readonly #pending = new Set<Waiter>();

  /**
   * Wait until `count() >= n`.
   * @param what - name of the counter for the timeout message, e.g. `'requests'`.
   */
  waitFor(what: string, count: () => number, n: number, timeoutMs = 5000): Promise<void> {
    if (count() >= n) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(waiter);
        reject(new Error(`CIO emulator: timed out after ${timeoutMs} ms waiting for ${n} ${what}; got ${count()}`));
      }, timeoutMs);
      const waiter: Waiter = { done: () => count() >= n, resolve, reject, timer };
      this.#pending.add(waiter);
    });
  }

  /** Settle every wait whose condition now holds. */
  check(): void {
    for (const waiter of this.#pending) {
      if (waiter.done()) {
        clearTimeout(waiter.timer);
        this.#pending.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Reject every pending wait (used by `close()`), clearing their timers. */
  rejectAll(reason: string): void {
    for (const waiter of this.#pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`CIO emulator: ${reason}`));
    }
    this.#pending.clear();
  }
}
