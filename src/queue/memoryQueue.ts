import { clock, optionsObject, wholeNumber } from './check.js';
import { checkDelay, checkListLimit, checkTake, closedError, copyEntry, fromDeadLetter, toDeadLetter } from './entry.js';
import { DeadLetterList } from './memory/deadLetters.js';
import { Scheduler } from './memory/scheduler.js';
import { entryOf, newSlot, PersonChains, setLastError, type Slot } from './memory/slot.js';
import type { DeadLetter, PushOutcome, QueueEntry, QueueStats, QueueStore } from './store.js';

/** Options of {@link memoryQueue}. */
export interface MemoryQueueOptions {
  /** Most entries held (waiting, delayed and leased); a push beyond it resolves `'dropped'`. @default 10000 */
  maxSize?: number;
  /** Most dead letters held; the oldest are forgotten (and counted as dropped) beyond it. @default 10000 */
  maxDeadLetters?: number;
  /** The clock, in ms since the epoch (for tests). @default Date.now */
  now?: () => number;
}

/** Defaults of {@link MemoryQueueOptions}. */
export const MEMORY_QUEUE_DEFAULTS = Object.freeze({ maxSize: 10_000, maxDeadLetters: 10_000 });

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
 *   entry leaves. Memory is one small record per entry, its arguments kept as a JSON string.
 */
export function memoryQueue(options?: MemoryQueueOptions): QueueStore {
  const o = optionsObject(WHERE, options);
  return new MemoryQueue(
    wholeNumber(`${WHERE}: maxSize`, o.maxSize, MEMORY_QUEUE_DEFAULTS.maxSize, 1),
    wholeNumber(`${WHERE}: maxDeadLetters`, o.maxDeadLetters, MEMORY_QUEUE_DEFAULTS.maxDeadLetters, 0),
    clock(`${WHERE}: now`, o.now),
  );
}

class MemoryQueue implements QueueStore {
  readonly name = 'memory';
  readonly #maxSize: number;
  readonly #now: () => number;
  readonly #slots = new Map<string, Slot>();
  readonly #chains = new PersonChains();
  readonly #scheduler = new Scheduler();
  readonly #dead: DeadLetterList;
  #seq = 0;
  #dropped = 0;
  /** Oldest `enqueuedAt` held, or undefined when it must be looked up again (its slot left). */
  #oldest: number | undefined = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(maxSize: number, maxDeadLetters: number, now: () => number) {
    this.#maxSize = maxSize;
    this.#dead = new DeadLetterList(maxDeadLetters);
    this.#now = now;
  }

  async push(entry: QueueEntry): Promise<PushOutcome> {
    this.#open();
    const copy = copyEntry(`${WHERE}.push`, entry);
    if (this.#slots.has(copy.id)) return 'queued';
    if (this.#slots.size >= this.#maxSize) {
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
      slot.readyAt = now + leaseMs;
      this.#scheduler.schedule(slot, now);
      out.push(entryOf(slot));
    });
    return out;
  }

  async ack(ids: readonly string[]): Promise<void> {
    this.#open();
    for (const id of ids) {
      const slot = this.#slots.get(id);
      if (slot) this.#remove(slot);
    }
    this.#scheduler.compact(this.#slots.size);
  }

  async retry(ids: readonly string[], delayMs: number, lastError?: string): Promise<void> {
    checkDelay(WHERE, delayMs);
    this.#open();
    const now = this.#now();
    for (const id of ids) {
      const slot = this.#slots.get(id);
      if (!slot) continue;
      slot.attempts++;
      if (lastError !== undefined) setLastError(slot, lastError);
      slot.readyAt = now + delayMs;
      if (!slot.prev) this.#scheduler.schedule(slot, now);
    }
    this.#scheduler.compact(this.#slots.size);
  }

  async deadLetter(ids: readonly string[], reason: string): Promise<void> {
    this.#open();
    const now = this.#now();
    for (const id of ids) {
      const slot = this.#slots.get(id);
      if (!slot) continue;
      this.#remove(slot);
      this.#dropped += this.#dead.add(toDeadLetter(entryOf(slot), reason, now));
    }
    this.#scheduler.compact(this.#slots.size);
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
      if (!dead || this.#slots.has(id)) continue;
      if (this.#slots.size >= this.#maxSize) break;
      this.#dead.delete(id);
      this.#insert(fromDeadLetter(dead));
      moved++;
    }
    return moved;
  }

  async stats(): Promise<QueueStats> {
    this.#open();
    if (this.#oldest === undefined) {
      // Only after the oldest entry left: one pass, then kept up to date by push.
      let oldest = Number.POSITIVE_INFINITY;
      for (const slot of this.#slots.values()) if (slot.enqueuedAt < oldest) oldest = slot.enqueuedAt;
      this.#oldest = oldest;
    }
    const oldest = this.#oldest;
    return {
      depth: this.#slots.size,
      oldestAgeMs: this.#slots.size === 0 ? 0 : Math.max(0, this.#now() - oldest),
      dropped: this.#dropped,
      deadLetters: this.#dead.size,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#slots.clear();
    this.#oldest = Number.POSITIVE_INFINITY;
    this.#chains.clear();
    this.#scheduler.clear();
    this.#dead.clear();
  }

  #open(): void {
    if (this.#closed) throw closedError(WHERE);
  }

  #insert(entry: QueueEntry): void {
    const slot = newSlot(entry, this.#seq++, this.#chains.intern(entry.personKey));
    if (this.#oldest !== undefined && entry.enqueuedAt < this.#oldest) this.#oldest = entry.enqueuedAt;
    this.#slots.set(entry.id, slot);
    if (this.#chains.append(slot)) this.#scheduler.schedule(slot, this.#now());
  }

  #remove(slot: Slot): void {
    this.#slots.delete(slot.id);
    if (slot.enqueuedAt === this.#oldest) this.#oldest = undefined;
    this.#scheduler.unschedule(slot);
    const head = this.#chains.remove(slot);
    if (head) this.#scheduler.schedule(head, this.#now());
  }
}
