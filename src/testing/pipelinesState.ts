import type { PipelinesMessage, PipelinesRejection } from './types.js';
import { isRecord } from './validate.js';

/** A message to accept, without the fields the state assigns. */
export type PipelinesMessageInput = Omit<PipelinesMessage, 'seq' | 'at'>;

/** A rejection to record, without the time. */
export type PipelinesRejectionInput = Omit<PipelinesRejection, 'at'>;

/**
 * What the emulator remembers of the Data Pipelines API: accepted messages (de-duplicated by
 * `messageId`, as Segment-compatible ingestion does), the requests and messages it did not process,
 * and the traits of the profiles `identify` calls describe.
 */
export class PipelinesState {
  /** Accepted messages, arrival order. */
  readonly messages: PipelinesMessage[] = [];
  /** Requests and messages not processed. */
  readonly rejected: PipelinesRejection[] = [];
  /** Traits by profile key (`userId`, else `anonymousId`, else `traits.email`). */
  readonly people = new Map<string, Record<string, unknown>>();
  /** Messages dropped because their `messageId` had been accepted before. */
  duplicates = 0;

  readonly #now: () => number;
  readonly #onMessage: (message: PipelinesMessage) => void;
  readonly #seenMessageIds = new Set<string>();

  constructor(now: () => number, onMessage: (message: PipelinesMessage) => void) {
    this.#now = now;
    this.#onMessage = onMessage;
  }

  /**
   * Accept a message unless its `messageId` was accepted before (then it is only counted).
   * @returns `false` for a duplicate.
   */
  accept(input: PipelinesMessageInput): boolean {
    if (input.messageId !== null) {
      if (this.#seenMessageIds.has(input.messageId)) {
        this.duplicates++;
        return false;
      }
      this.#seenMessageIds.add(input.messageId);
    }
    const message: PipelinesMessage = Object.freeze({ ...input, seq: this.messages.length + 1, at: this.#now() });
    this.messages.push(message);
    this.#apply(message);
    this.#onMessage(message);
    return true;
  }

  /** Record a request or message that was not processed. */
  reject(input: PipelinesRejectionInput): void {
    this.rejected.push(Object.freeze({ ...input, errors: Object.freeze([...input.errors]), at: this.#now() }));
  }

  /** Forget everything. */
  reset(): void {
    this.messages.length = 0;
    this.rejected.length = 0;
    this.people.clear();
    this.duplicates = 0;
    this.#seenMessageIds.clear();
  }

  /** What an accepted message changes in `people`: an identify's traits, an alias's fold. */
  #apply(message: PipelinesMessage): void {
    const { type, userId, anonymousId, payload } = message;
    if (type === 'identify') {
      const traits = isRecord(payload['traits']) ? payload['traits'] : {};
      const email = typeof traits['email'] === 'string' && traits['email'] !== '' ? traits['email'] : null;
      const key = userId ?? anonymousId ?? email;
      if (key === null) return;
      // Identified with both ids: the anonymous profile's traits go to the user's.
      if (userId !== null && anonymousId !== null) this.#fold(anonymousId, userId);
      this.people.set(key, { ...(this.people.get(key) ?? {}), ...traits });
    } else if (type === 'alias' && userId !== null) {
      const previous = payload['previousId'];
      if (typeof previous === 'string' || typeof previous === 'number') this.#fold(String(previous), userId);
    }
  }

  /** Move the traits of profile `from` into profile `into` (the latter's values win), and forget `from`. */
  #fold(from: string, into: string): void {
    if (from === into) return;
    const traits = this.people.get(from);
    if (traits === undefined) return;
    this.people.set(into, { ...traits, ...(this.people.get(into) ?? {}) });
    this.people.delete(from);
  }
}
