/**
 * Bounds Redis operations: each settles within `timeoutMs`, or as soon as the store has shut
 * down, instead of waiting for a Redis that does not answer (ioredis and BullMQ wait for a
 * connection indefinitely). The operation itself may still complete later.
 */
export class Deadline {
  readonly #where: string;
  readonly #timeoutMs: number;
  readonly #ended: Promise<never>;
  #end!: (err: Error) => void;

  constructor(where: string, timeoutMs: number) {
    this.#where = where;
    this.#timeoutMs = timeoutMs;
    this.#ended = new Promise<never>((_, reject) => (this.#end = reject));
    this.#ended.catch(() => undefined);
  }

  /** Runs `op`, rejecting if it takes longer than the timeout or outlives the store. */
  async run<T>(op: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.#where}: Redis did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([op(), timeout, this.#ended]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Makes every pending and later `run` reject with `err`. */
  end(err: Error): void {
    this.#end(err);
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
