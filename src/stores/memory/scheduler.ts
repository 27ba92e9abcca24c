import { MinHeap } from './heap.js';
import type { SlotTable } from './slots.js';

/**
 * Which heads can be handed out, oldest first. Ready heads wait in a heap keyed by push order;
 * leased and delayed heads wait in a heap keyed by the time they come back. Heap items are slot
 * numbers with the slot's ticket at the time. Removal is lazy (a slot's ticket changes), and stale
 * items are swept once they outnumber live ones, so `take` costs O(k log n) for k entries whatever
 * the backlog behind blocked persons.
 */
export class Scheduler {
  readonly #slots: SlotTable;
  readonly #ready = new MinHeap<number>();
  readonly #timed = new MinHeap<number>();

  constructor(slots: SlotTable) {
    this.#slots = slots;
  }

  /** Heap items held, stale ones included (for tests of the sweep). */
  get size(): number {
    return this.#ready.size + this.#timed.size;
  }

  /** Makes a head slot eligible now, or once its `readyAt` has passed. */
  schedule(slot: number, now: number): void {
    const slots = this.#slots;
    const ticket = ++slots.ticket[slot]!;
    const readyAt = slots.readyAt[slot]!;
    if (readyAt <= now) this.#ready.push(slots.seq[slot]!, slot, ticket);
    else this.#timed.push(readyAt, slot, ticket);
  }

  /** Withdraws a slot (it was removed, or it is no longer a head). */
  unschedule(slot: number): void {
    this.#slots.ticket[slot]!++;
  }

  /** Hands up to `limit` eligible slots, oldest first, to `lease` (which must reschedule or drop them). */
  take(limit: number, now: number, lease: (slot: number) => void): void {
    const slots = this.#slots;
    const ready = this.#ready;
    while (this.#timed.peekKey() <= now) {
      this.#timed.pop((slot, ticket) => {
        if (slots.ticket[slot] === ticket) ready.push(slots.seq[slot]!, slot, ticket);
      });
    }
    const picked: number[] = [];
    while (picked.length < limit && ready.size > 0) {
      ready.pop((slot, ticket) => {
        if (slots.ticket[slot] === ticket) picked.push(slot);
      });
    }
    for (const slot of picked) lease(slot);
  }

  /** Sweeps stale items once the heaps hold more than twice the `live` slots (plus slack). */
  compact(live: number): void {
    if (this.#ready.size + this.#timed.size <= 2 * live + 1024) return;
    const tickets = this.#slots.ticket;
    const valid = (slot: number, ticket: number): boolean => tickets[slot] === ticket;
    this.#ready.filter(valid);
    this.#timed.filter(valid);
  }

  /** Drops everything. */
  clear(): void {
    this.#ready.clear();
    this.#timed.clear();
  }
}
