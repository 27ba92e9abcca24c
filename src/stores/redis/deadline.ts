/**
 * Bounds Redis operations: each settles within `timeoutMs`, or as soon as the store has shut
 * down, instead of waiting for a Redis that does not answer (ioredis and BullMQ wait for a
 * connection indefinitely). The operation itself may still complete later: a caller that must
 * not act after giving up passes `onAbandon`, which runs synchronously when the deadline fires,
 * before the rejection is seen and before any later step of the operation can run.
 */
export class Deadline {
  readonly #where: string;
  readonly #timeoutMs: number;
  readonly #pending = new Set<(err: Error) => void>();
  #ended: Error | undefined;

  constructor(where: string, timeoutMs: number) {
    this.#where = where;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Runs `op`, rejecting if it takes longer than the timeout or outlives the store. When it gives
   * up on `op`, `onAbandon` is called first (once); it is never called once `op` has settled.
   */
  run<T>(op: () => Promise<T>, onAbandon?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (settle: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#pending.delete(stop);
        settle();
      };
      const stop = (err: Error): void =>
        finish(() => {
          onAbandon?.();
          reject(err);
        });
      if (this.#ended) return stop(this.#ended);
      this.#pending.add(stop);
      timer = setTimeout(() => stop(new Error(`${this.#where}: Redis did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      timer.unref();
      let work: Promise<T>;
      try {
        work = op();
      } catch (err) {
        work = Promise.reject(err);
      }
      work.then(
        (value) => finish(() => resolve(value)),
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }

  /** Makes every pending and later `run` reject with `err`. */
  end(err: Error): void {
    this.#ended ??= err;
    for (const stop of [...this.#pending]) stop(err);
  }
}

/** Waits for `work` at most `ms`; resolves true when it completed in time (an unref'd timer). */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true, () => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
