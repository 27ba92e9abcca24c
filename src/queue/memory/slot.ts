import type { QueueEntry } from '../store.js';

/** One entry held by the memory queue, linked to its person's previous and next entries. */
export interface Slot {
  /** The entry (a private copy; `attempts` and `lastError` change on retry). */
  readonly entry: QueueEntry;
  /** Push order: the queue's FIFO key. */
  readonly seq: number;
  /** When it may be handed out: after a retry delay, or when its lease runs out. */
  readyAt: number;
  /** Bumped whenever the slot is scheduled or removed: heap items with an older ticket are stale. */
  ticket: number;
  /** The same person's previous entry; while set, this slot is not handed out. */
  prev: Slot | undefined;
  /** The same person's next entry. */
  next: Slot | undefined;
}

/** A new slot for `entry`, ready now. */
export function newSlot(entry: QueueEntry, seq: number): Slot {
  return { entry, seq, readyAt: 0, ticket: 0, prev: undefined, next: undefined };
}

/**
 * Each person's chain of slots, in push order. Only a chain's head may be handed out; entries
 * with an empty person key are chains of one.
 */
export class PersonChains {
  readonly #tails = new Map<string, Slot>();

  /** Appends `slot` to its person's chain; true when it is the head (nothing of theirs before it). */
  append(slot: Slot): boolean {
    const person = slot.entry.personKey;
    if (person === '') return true;
    const tail = this.#tails.get(person);
    this.#tails.set(person, slot);
    if (!tail) return true;
    tail.next = slot;
    slot.prev = tail;
    return false;
  }

  /** Unlinks `slot`; returns the slot that became its person's head, if any. */
  remove(slot: Slot): Slot | undefined {
    const { prev, next } = slot;
    if (prev) prev.next = next;
    if (next) next.prev = prev;
    const person = slot.entry.personKey;
    if (person !== '' && this.#tails.get(person) === slot) {
      if (prev) this.#tails.set(person, prev);
      else this.#tails.delete(person);
    }
    slot.prev = undefined;
    slot.next = undefined;
    return !prev && next ? next : undefined;
  }

  /** Forgets every chain. */
  clear(): void {
    this.#tails.clear();
  }
}
