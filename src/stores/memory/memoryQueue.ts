import { clock, optionsObject, wholeNumber } from '../../queue/check.js';
import { checkDelay, checkIds, checkListLimit, checkTake, closedError, copyEntry, fromDeadLetter, toDeadLetter } from '../../queue/entry.js';
import { DeadLetterList } from './deadLetters.js';
import { withLastError } from './packed.js';
import { PersonChains } from './persons.js';
import { Scheduler } from './scheduler.js';
import { NONE, SlotTable } from './slots.js';
import type { DeadLetter, PushOutcome, QueueEntry, QueueStats, QueueStore, QueueRetryOptions } from '../../queue/store.js';

/** Options of {@link memoryQueue}. */
export interface MemoryQueueOptions {
  /** Most entries held (waiting, delayed and leased); a push beyond it resolves `'dropped'`. @default 100000 */
  maxSize?: number;
  /**
   * Most memory the entries held may take, in bytes, counted as 2 bytes per character of an entry's
   * packed text (its arguments' JSON, ids, last error: an upper bound of what V8 keeps) plus
   * {@link ROW_BYTES} for its row. Once reached, a push resolves `'dropped'` until entries leave, so
   * large payloads cannot grow the queue until the process runs out of memory. @default 134217728 (128 MiB)
   */
  maxBytes?: number;
  /** Most dead letters held; the oldest are forgotten (and counted as dropped) beyond it. @default 10000 */
  maxDeadLetters?: number;
  /** The clock, in ms since the epoch (for tests). @default Date.now */
  now?: () => number;
}

/** Defaults of {@link MemoryQueueOptions}. */
export const MEMORY_QUEUE_DEFAULTS = Object.freeze({ maxSize: 100_000, maxBytes: 128 * 1024 * 1024, maxDeadLetters: 10_000 });

/** Bytes counted per entry besides its text: its typed-array row, id index and scheduler item. */
export const ROW_BYTES = 160;

const WHERE = 'memoryQueue';

/**
 * The default fallback queue: in process memory, bounded, lost when the process exits.
 *
 * - Order: entries are handed out in push order, except that an entry waits while an earlier
 *   entry of the same non-empty `personKey` is waiting, leased or delayed (so at most one entry per
 *   person is out at a time). A retried entry keeps its place.
 * - Leases: a taken entry is hidden until acked, retried, dead-lettered or until `leaseMs` passes.
 * - Cost: `push`, `ack`, `retry` are O(log n); `take` is O(k log n) for k entries, however many
 *   entries of blocked persons wait behind; `stats` is O(1), but for one pass after the oldest
 *   entry leaves.
 * - Memory: a row of typed-array columns per entry, no object of its own (see `memory/slots.ts`):
 *   its arguments' JSON plus about 150 bytes at 100 000 entries (`bench/memory.ts`). The columns
 *   grow by doubling up to `maxSize` rows and shrink back once the queue empties.
 */
export function memoryQueue(options?: MemoryQueueOptions): QueueStore {
  const o = optionsObject(WHERE, options);
  return new MemoryQueue(
    wholeNumber(`${WHERE}: maxSize`, o.maxSize, MEMORY_QUEUE_DEFAULTS.maxSize, 1),
    wholeNumber(`${WHERE}: maxBytes`, o.maxBytes, MEMORY_QUEUE_DEFAULTS.maxBytes, 1),
    wholeNumber(`${WHERE}: maxDeadLetters`, o.maxDeadLetters, MEMORY_QUEUE_DEFAULTS.maxDeadLetters, 0),
    clock(`${WHERE}: now`, o.now),
  );
}

class MemoryQueue implements QueueStore {
  readonly name = 'memory';
  readonly durable = false;
  readonly #maxSize: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #slots: SlotTable;
  readonly #chains: PersonChains;
  readonly #scheduler: Scheduler;
  readonly #dead: DeadLetterList;
  #seq = 0;
  #dropped = 0;
  /** Oldest `enqueuedAt` held, or undefined when it must be looked up again (its slot left). */
  #oldest: number | undefined = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(maxSize: number, maxBytes: number, maxDeadLetters: number, now: () => number) {
    this.#maxSize = maxSize;
    this.#maxBytes = maxBytes;
    this.#slots = new SlotTable(maxSize);
    this.#chains = new PersonChains(this.#slots);
    this.#scheduler = new Scheduler(this.#slots);
    this.#dead = new DeadLetterList(maxDeadLetters);
    this.#now = now;
  }

  async push(entry: QueueEntry): Promise<PushOutcome> {
    this.#open();
    const copy = copyEntry(`${WHERE}.push`, entry);
    if (this.#slots.find(copy.id) !== NONE) return 'queued';
    if (this.#full()) {
      this.#dropped++;
      return 'dropped';
    }
    this.#insert(copy);
    return 'queued';
  }

  async take(limit: number, leaseMs: number): Promise<QueueEntry[]> {
    checkTake(WHERE, limit, leaseMs);
    this.#open();
    const now = this.#now();
    const out: QueueEntry[] = [];
    this.#scheduler.take(limit, now, (slot) => {
      this.#slots.readyAt[slot] = now + leaseMs;
      this.#scheduler.schedule(slot, now);
      out.push(this.#entryOf(slot));
    });
    return out;
  }

  async ack(ids: readonly string[]): Promise<void> {
    this.#open();
    for (const id of ids) {
      const slot = this.#slots.find(id);
      if (slot !== NONE) this.#remove(slot);
    }
    this.#compact();
  }

  async retry(ids: readonly string[], delayMs: number, lastError?: string, options?: QueueRetryOptions): Promise<void> {
    checkDelay(WHERE, delayMs);
    this.#open();
    const now = this.#now();
    const slots = this.#slots;
    for (const id of ids) {
      const slot = slots.find(id);
      if (slot === NONE) continue;
      if (options?.counted !== false) slots.attempts[slot]!++;
      if (lastError !== undefined) slots.updatePacked(slot, (text) => withLastError(text, lastError));
      slots.readyAt[slot] = now + delayMs;
      if (slots.prev[slot] === NONE) this.#scheduler.schedule(slot, now);
    }
    this.#compact();
  }

  async deadLetter(ids: readonly string[], reason: string): Promise<void> {
    this.#open();
    const now = this.#now();
    for (const id of ids) {
      const slot = this.#slots.find(id);
      if (slot === NONE) continue;
      const entry = this.#entryOf(slot);
      this.#remove(slot);
      this.#dropped += this.#dead.add(toDeadLetter(entry, reason, now));
    }
    this.#compact();
  }

  async addDeadLetter(entry: QueueEntry, reason: string): Promise<void> {
    this.#open();
    const copy = copyEntry(`${WHERE}.addDeadLetter`, entry);
    this.#dropped += this.#dead.add(toDeadLetter(copy, reason, this.#now()));
  }

  async listDeadLetters(limit?: number): Promise<DeadLetter[]> {
    const max = checkListLimit(WHERE, limit);
    this.#open();
    return this.#dead.list(max).map((dead) => ({ ...dead }));
  }

  async redrive(ids?: readonly string[]): Promise<number> {
    this.#open();
    let moved = 0;
    for (const id of ids ?? this.#dead.ids()) {
      const dead = this.#dead.get(id);
      if (!dead || this.#slots.find(id) !== NONE) continue;
      if (this.#full()) break;
      this.#dead.delete(id);
      this.#insert(fromDeadLetter(dead));
      moved++;
    }
    return moved;
  }

  async discardDeadLetters(ids: readonly string[]): Promise<number> {
    checkIds(WHERE, ids);
    this.#open();
    let discarded = 0;
    for (const id of ids) {
      if (!this.#dead.get(id)) continue;
      this.#dead.delete(id);
      discarded++;
    }
    return discarded;
  }

  async stats(): Promise<QueueStats> {
    this.#open();
    const slots = this.#slots;
    if (this.#oldest === undefined) {
      // Only after the oldest entry left: one pass, then kept up to date by push.
      this.#oldest = slots.oldestEnqueuedAt();
    }
    const oldest = this.#oldest;
    return {
      depth: slots.size,
      oldestAgeMs: slots.size === 0 ? 0 : Math.max(0, this.#now() - oldest),
      dropped: this.#dropped,
      deadLetters: this.#dead.size,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clear();
    this.#dead.clear();
  }

  /** Whether a push must be refused: `maxSize` entries held, or `maxBytes` (as counted) reached. */
  #full(): boolean {
    const slots = this.#slots;
    return slots.size >= this.#maxSize || slots.textChars * 2 + slots.size * ROW_BYTES >= this.#maxBytes;
  }

  #open(): void {
    if (this.#closed) throw closedError(WHERE);
  }

  #entryOf(slot: number): QueueEntry {
    return this.#slots.entry(slot, this.#chains.keyOf(slot));
  }

  #insert(entry: QueueEntry): void {
    const slot = this.#slots.add(entry, this.#seq++);
    if (this.#oldest !== undefined && entry.enqueuedAt < this.#oldest) this.#oldest = entry.enqueuedAt;
    if (this.#chains.append(slot, entry.personKey)) this.#scheduler.schedule(slot, this.#now());
  }

  #remove(slot: number): void {
    if (this.#slots.enqueuedAt[slot] === this.#oldest) this.#oldest = undefined;
    this.#scheduler.unschedule(slot);
    const head = this.#chains.remove(slot);
    this.#slots.delete(slot);
    if (head !== NONE) this.#scheduler.schedule(head, this.#now());
  }

  /** After removals: sweeps stale scheduler items, or gives the memory of an emptied queue back. */
  #compact(): void {
    if (this.#slots.size === 0) this.#clear();
    else this.#scheduler.compact(this.#slots.size);
  }

  #clear(): void {
    this.#slots.clear();
    this.#oldest = Number.POSITIVE_INFINITY;
    this.#chains.clear();
    this.#scheduler.clear();
  }
}
