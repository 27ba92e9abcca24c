import type { QueueEntry } from '../store.js';

/**
 * One entry held by the memory queue, flat: the fields the queue works with, and the rest of the
 * entry as one JSON string (a fraction of the memory of its object graph, and the same round trip as
 * the durable stores). Linked to its person's previous and next entries.
 */
export interface Slot {
  readonly id: string;
  readonly personKey: string;
  readonly enqueuedAt: number;
  /** Replay attempts (changes on retry). */
  attempts: number;
  /** `{ o: operation, a: args, k: idempotencyKey, e?: eventId, l?: lastError }` as JSON. */
  rest: string;
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

interface Rest {
  o: string;
  a: unknown[];
  k: string;
  e?: string;
  E?: 1;
  l?: string;
}

/** Where an event operation's arguments already hold its event id (so the slot need not keep it twice). */
function eventIdInArgs(operation: string, args: readonly unknown[]): unknown {
  if (operation === 'track' || operation === 'trackAnonymous') {
    const data = args[1];
    return typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
  }
  return operation === 'trackPageView' ? args[2] : undefined;
}

function packRest(entry: Omit<QueueEntry, 'id' | 'personKey' | 'enqueuedAt' | 'attempts'>): string {
  const rest: Rest = { o: entry.operation, a: entry.args, k: entry.idempotencyKey };
  // `E: 1` stands for "the event id is the one in the arguments".
  if (entry.eventId !== undefined) {
    if (eventIdInArgs(entry.operation, entry.args) === entry.eventId) rest.E = 1;
    else rest.e = entry.eventId;
  }
  if (entry.lastError !== undefined) rest.l = entry.lastError;
  return JSON.stringify(rest);
}

/** A new slot for `entry`, ready now. */
export function newSlot(entry: QueueEntry, seq: number, personKey: string = entry.personKey): Slot {
  return {
    id: entry.id,
    personKey,
    enqueuedAt: entry.enqueuedAt,
    attempts: entry.attempts,
    rest: packRest(entry),
    seq,
    readyAt: 0,
    ticket: 0,
    prev: undefined,
    next: undefined,
  };
}

/** The queue entry a slot holds, as a new object. */
export function entryOf(slot: Slot): QueueEntry {
  const rest = JSON.parse(slot.rest) as Rest;
  const entry: QueueEntry = {
    id: slot.id,
    operation: rest.o,
    args: rest.a,
    idempotencyKey: rest.k,
    personKey: slot.personKey,
    enqueuedAt: slot.enqueuedAt,
    attempts: slot.attempts,
  };
  if (rest.e !== undefined) entry.eventId = rest.e;
  else if (rest.E === 1) entry.eventId = eventIdInArgs(rest.o, rest.a) as string;
  if (rest.l !== undefined) entry.lastError = rest.l;
  return entry;
}

/** Records a retry's last error in the slot. */
export function setLastError(slot: Slot, lastError: string): void {
  slot.rest = packRest({ ...entryOf(slot), lastError });
}

/**
 * Each person's chain of slots, in push order. Only a chain's head may be handed out; entries
 * with an empty person key are chains of one.
 */
export class PersonChains {
  readonly #tails = new Map<string, Slot>();

  /**
   * The person key as a queued slot of that person already holds it (equal text, one shared string),
   * so a person's many entries keep one copy of it.
   */
  intern(personKey: string): string {
    return this.#tails.get(personKey)?.personKey ?? personKey;
  }

  /** Appends `slot` to its person's chain; true when it is the head (nothing of theirs before it). */
  append(slot: Slot): boolean {
    const person = slot.personKey;
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
    const person = slot.personKey;
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
