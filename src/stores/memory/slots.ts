import type { QueueEntry } from '../../queue/store.js';
import { pack, unpack } from './packed.js';
import { packUlid, unpackUlid } from './ulid.js';

/** "No slot": the end of a chain, an empty bucket. */
export const NONE = -1;

/** Slots allocated at first. */
const MIN_CAPACITY = 64;
/** Columns up to this many slots are kept when the table empties (a queue that often empties does not reallocate). */
const KEEP_CAPACITY = 1024;

/** Scratch words for an id being looked up. */
const probe = new Uint32Array(4);

/** A hash of four id words (ULIDs: mostly random bits already). */
function hashWords(w: Uint32Array, at: number): number {
  return Math.imul(w[at]! ^ Math.imul(w[at + 1]!, 0x9e3779b1) ^ Math.imul(w[at + 2]!, 0x85ebca77) ^ w[at + 3]!, 0xc2b2ae3d) ^ (w[at + 3]! >>> 15);
}

/** FNV-1a hash of an id that is not a ULID. */
function hashText(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * The memory queue's entries as columns ("slots" are row numbers): numbers in typed arrays, the
 * id packed into 16 bytes when it is a ULID, the text fields and arguments as one packed string
 * (see `packed.ts`), and an index from id to slot (hash buckets chained through a column). So an
 * entry costs its packed string plus about 85 bytes, with no object or Map entry of its own.
 *
 * Columns grow by doubling up to `maxSlots` (the queue's `maxSize`, which is never exceeded),
 * and shrink back only when the table empties; free slots are reused.
 */
export class SlotTable {
  readonly #maxSlots: number;
  /** Slots in use. */
  #size = 0;
  /** Slots ever handed out since the last clear; those at or beyond it have never been used. */
  #used = 0;
  /** Free slots below `#used`, chained through `next`. */
  #free = NONE;

  // Columns, one item per slot. The queue and its helpers read and write the public ones.
  /** When the entry was queued (ms since the epoch). */
  enqueuedAt!: Float64Array;
  /** Replay attempts. */
  attempts!: Float64Array;
  /** Push order: the queue's FIFO key. */
  seq!: Float64Array;
  /** When the slot may be handed out: after a retry delay, or when its lease runs out. */
  readyAt!: Float64Array;
  /** Bumped whenever the slot is scheduled or removed: scheduler items with an older ticket are stale. */
  ticket!: Float64Array;
  /** The same person's previous slot, or NONE; while set, this slot is not handed out. */
  prev!: Int32Array;
  /** The same person's next slot, or NONE (for a free slot: the next free slot). */
  next!: Int32Array;
  /** The slot's person number (see `PersonChains`), or NONE for an empty person key. */
  person!: Int32Array;
  /** The packed text of the entry (operation, key, event id, last error, arguments). */
  #packed!: (string | undefined)[];
  #textChars = 0;
  /** The id's four words, when it is a ULID. */
  #idWords!: Uint32Array;
  /** Ids that are not ULIDs, by slot. */
  readonly #textIds = new Map<number, string>();
  /** Id index: bucket heads, and the next slot of the same bucket. */
  #buckets!: Int32Array;
  #chain!: Int32Array;

  constructor(maxSlots: number) {
    this.#maxSlots = maxSlots;
    this.#allocate(Math.min(MIN_CAPACITY, maxSlots));
  }

  /** Slots in use. */
  get size(): number {
    return this.#size;
  }

  /** Characters of packed text the entries hold (their arguments' JSON, ids and errors). */
  get textChars(): number {
    return this.#textChars;
  }

  /** Number of slots the columns have room for. */
  get capacity(): number {
    return this.#packed.length;
  }

  /** True when `slot` holds an entry. */
  live(slot: number): boolean {
    return this.#packed[slot] !== undefined;
  }

  /**
   * Stores `entry` (checked and copied already) in a free slot and returns it, with `seq` as its
   * push order; it is ready at once, unlinked, its person left to `PersonChains`. The caller makes
   * sure the table is not full and that no slot holds the id yet.
   */
  add(entry: QueueEntry, seq: number): number {
    const text = pack(entry);
    let slot = this.#free;
    if (slot !== NONE) this.#free = this.next[slot]!;
    else {
      if (this.#used === this.capacity) this.#allocate(Math.min(this.#maxSlots, this.capacity * 2));
      slot = this.#used++;
    }
    this.#size++;
    this.#textChars += text.length;
    // `ticket` carries on from the slot's previous entry, so that entry's stale scheduler items never match.
    this.#packed[slot] = text;
    this.enqueuedAt[slot] = entry.enqueuedAt;
    this.attempts[slot] = entry.attempts;
    this.seq[slot] = seq;
    this.readyAt[slot] = 0;
    this.prev[slot] = NONE;
    this.next[slot] = NONE;
    this.person[slot] = NONE;
    if (!packUlid(entry.id, this.#idWords, slot * 4)) this.#textIds.set(slot, entry.id);
    this.#link(slot);
    return slot;
  }

  /** Frees `slot` (already unlinked from its person and withdrawn from the scheduler). */
  delete(slot: number): void {
    this.#unlink(slot);
    this.#textIds.delete(slot);
    this.#textChars -= this.#packed[slot]!.length;
    this.#packed[slot] = undefined;
    this.next[slot] = this.#free;
    this.#free = slot;
    this.#size--;
  }

  /** The slot holding the entry with this id, or NONE. */
  find(id: string): number {
    if (this.#size === 0) return NONE;
    const isUlid = packUlid(id, probe, 0);
    let slot = this.#buckets[(isUlid ? hashWords(probe, 0) : hashText(id)) & (this.#buckets.length - 1)]!;
    const words = this.#idWords;
    for (; slot !== NONE; slot = this.#chain[slot]!) {
      if (isUlid) {
        const at = slot * 4;
        if (words[at] === probe[0] && words[at + 1] === probe[1] && words[at + 2] === probe[2] && words[at + 3] === probe[3] && !this.#textIds.has(slot)) return slot;
      } else if (this.#textIds.get(slot) === id) return slot;
    }
    return NONE;
  }

  /** The id of the entry in `slot`. */
  id(slot: number): string {
    return this.#textIds.get(slot) ?? unpackUlid(this.#idWords, slot * 4);
  }

  /** The entry in `slot`, as a new object (new argument objects too). */
  entry(slot: number, personKey: string): QueueEntry {
    const fields = unpack(this.#packed[slot]!);
    const entry: QueueEntry = {
      id: this.id(slot),
      operation: fields.operation,
      args: fields.args,
      idempotencyKey: fields.idempotencyKey,
      personKey,
      enqueuedAt: this.enqueuedAt[slot]!,
      attempts: this.attempts[slot]!,
    };
    if (fields.eventId !== undefined) entry.eventId = fields.eventId;
    if (fields.lastError !== undefined) entry.lastError = fields.lastError;
    return entry;
  }

  /** Replaces the packed text of `slot` (to record a last error). */
  updatePacked(slot: number, change: (text: string) => string): void {
    const before = this.#packed[slot]!;
    const after = change(before);
    this.#packed[slot] = after;
    this.#textChars += after.length - before.length;
  }

  /** Empties the table; columns grown beyond {@link KEEP_CAPACITY} shrink back to their first size. */
  clear(): void {
    this.#size = 0;
    this.#textChars = 0;
    this.#used = 0;
    this.#free = NONE;
    this.#textIds.clear();
    if (this.capacity > KEEP_CAPACITY) this.#allocate(Math.min(MIN_CAPACITY, this.#maxSlots), false);
    else {
      this.#packed.fill(undefined);
      this.#buckets.fill(NONE);
    }
  }

  /** The smallest `enqueuedAt` held, or Infinity when empty (one pass over the slots). */
  oldestEnqueuedAt(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < this.#used; slot++) {
      if (this.live(slot) && this.enqueuedAt[slot]! < oldest) oldest = this.enqueuedAt[slot]!;
    }
    return oldest;
  }

  /** Bucket of the id in `slot`. */
  #bucketOf(slot: number): number {
    const text = this.#textIds.get(slot);
    return (text === undefined ? hashWords(this.#idWords, slot * 4) : hashText(text)) & (this.#buckets.length - 1);
  }

  #link(slot: number): void {
    const bucket = this.#bucketOf(slot);
    this.#chain[slot] = this.#buckets[bucket]!;
    this.#buckets[bucket] = slot;
  }

  #unlink(slot: number): void {
    const bucket = this.#bucketOf(slot);
    let at = this.#buckets[bucket]!;
    if (at === slot) {
      this.#buckets[bucket] = this.#chain[slot]!;
      return;
    }
    while (at !== NONE) {
      const after = this.#chain[at]!;
      if (after === slot) {
        this.#chain[at] = this.#chain[slot]!;
        return;
      }
      at = after;
    }
  }

  /** (Re)allocates every column for `capacity` slots, copying what is held when `keep`. */
  #allocate(capacity: number, keep = true): void {
    const grow = <A extends Float64Array | Int32Array | Uint32Array>(old: A | undefined, make: (n: number) => A, width = 1): A => {
      const column = make(capacity * width);
      if (keep && old) column.set(old);
      return column;
    };
    this.enqueuedAt = grow(this.enqueuedAt, (n) => new Float64Array(n));
    this.attempts = grow(this.attempts, (n) => new Float64Array(n));
    this.seq = grow(this.seq, (n) => new Float64Array(n));
    this.readyAt = grow(this.readyAt, (n) => new Float64Array(n));
    this.ticket = grow(this.ticket, (n) => new Float64Array(n));
    this.prev = grow(this.prev, (n) => new Int32Array(n));
    this.next = grow(this.next, (n) => new Int32Array(n));
    this.person = grow(this.person, (n) => new Int32Array(n));
    this.#idWords = grow(this.#idWords, (n) => new Uint32Array(n), 4);
    this.#chain = new Int32Array(capacity);
    const packed = new Array<string | undefined>(capacity).fill(undefined);
    if (keep && this.#packed) for (let i = 0; i < this.#used; i++) packed[i] = this.#packed[i];
    this.#packed = packed;
    // Buckets: a power of two at least the capacity, so chains stay about one slot long.
    let buckets = MIN_CAPACITY;
    while (buckets < capacity) buckets *= 2;
    this.#buckets = new Int32Array(buckets).fill(NONE);
    if (keep) for (let slot = 0; slot < this.#used; slot++) if (this.live(slot)) this.#link(slot);
  }
}
