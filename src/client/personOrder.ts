import type { BatchedOutcome, Batcher } from '../delivery/batcher.js';
import { CioError } from '../errors/CioError.js';

const noop = (): void => {};

/** The outcome of an ordered update made while an earlier one of its person waits in the queue (built once, no stack). */
const QUEUED_BEHIND: BatchedOutcome = (() => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const error = new CioError('QUEUED_BEHIND', 'an earlier update of this person is still queued; this one was queued behind it, nothing was sent now', true, { maybeDelivered: false });
    return Object.freeze({ ok: false as const, attempts: 0, error });
  } finally {
    Error.stackTraceLimit = limit;
  }
})();
/** The send of an ordered update queued behind an earlier one of its person: nothing is sent. */
export const queuedBehind = (): Promise<BatchedOutcome> => Promise.resolve(QUEUED_BEHIND);

/** The last ordered operation of a person still under way, and the open batch it joined (if it did). */
interface PersonTail {
  readonly done: Promise<void>;
  readonly batch: number | undefined;
}

/**
 * Keeps each person's ordered updates (upserts and deletes) in call order: one waits for the
 * outcome of the previous one, unless both ride in the same batch (a batch carries its operations in
 * order); and while an earlier one waits in this client's queue a later one is queued behind it, so
 * a retry or a replay of an earlier one can never land after a later one.
 */
export class PersonOrder {
  /** How many ordered updates of each person this client has queued and not seen leave the queue. */
  readonly #queued = new Map<string, number>();
  /** The last pending ordered operation of each person. */
  readonly #tails = new Map<string, PersonTail>();

  /** Whether an ordered update of `person` waits in this client's queue. */
  hasQueued(person: string): boolean {
    return this.#queued.has(person);
  }

  /** Counts an ordered update of `person` that entered (1) or left (-1) the queue. */
  countQueued(person: string, change: 1 | -1): void {
    const n = (this.#queued.get(person) ?? 0) + change;
    if (n > 0) this.#queued.set(person, n);
    else this.#queued.delete(person);
  }

  /**
   * `send`, started once the person's previous ordered operation has its outcome, or at once when
   * that one waits in the open batch this one joins too.
   */
  after(person: string, send: () => Promise<BatchedOutcome>, batcher: Batcher | undefined): () => Promise<BatchedOutcome> {
    return () => {
      const before = this.#tails.get(person);
      const sameBatch = before !== undefined && batcher !== undefined && before.batch === batcher.openBatch;
      const run = before === undefined || sameBatch ? send() : before.done.then(send, send);
      const tail: PersonTail = { done: run.then(noop, noop), batch: batcher && (before === undefined || sameBatch) ? batcher.openBatch : undefined };
      this.#tails.set(person, tail);
      void tail.done.then(() => {
        if (this.#tails.get(person) === tail) this.#tails.delete(person);
      });
      return run;
    };
  }
}
