import { MinHeap } from '../heap.js';
import type { Slot } from './slot.js';

/**
 * Which heads can be handed out, oldest first. Ready heads wait in a heap keyed by push order;
 * leased and delayed heads wait in a heap keyed by the time they come back. Removal is lazy
 * (a slot's ticket changes), and stale items are swept once they outnumber live ones, so
 * `take` costs O(k log n) for k entries whatever the backlog behind blocked persons.
 */
export class Scheduler {
  readonly #ready = new MinHeap<Slot>();
  readonly #timed = new MinHeap<Slot>();

  /** Heap items held, stale ones included (for tests of the sweep). */
  get size(): number {
    return this.#ready.size + this.#timed.size;
  }

  /** Makes a head slot eligible now, or once `slot.readyAt` has passed. */
  schedule(slot: Slot, now: number): void {
    slot.ticket++;
    if (slot.readyAt <= now) this.#ready.push(slot.seq, slot, slot.ticket);
    else this.#timed.push(slot.readyAt, slot, slot.ticket);
  }

  /** Withdraws a slot (it was removed, or it is no longer a head). */
  unschedule(slot: Slot): void {
    slot.ticket++;
  }

  /** Hands up to `limit` eligible slots, oldest first, to `lease` (which must reschedule or drop them). */
  take(limit: number, now: number, lease: (slot: Slot) => void): void {
    const ready = this.#ready;
    while (this.#timed.peekKey() <= now) {
      this.#timed.pop((slot, ticket) => {
        if (slot.ticket === ticket) ready.push(slot.seq, slot, ticket);
      });
    }
    const picked: Slot[] = [];
    while (picked.length < limit && ready.size > 0) {
      ready.pop((slot, ticket) => {
        if (slot.ticket === ticket) picked.push(slot);
      });
    }
    for (const slot of picked) lease(slot);
  }

  /** Sweeps stale items once the heaps hold more than twice the `live` slots (plus slack). */
  compact(live: number): void {
    if (this.#ready.size + this.#timed.size <= 2 * live + 1024) return;
    const valid = (slot: Slot, ticket: number): boolean => slot.ticket === ticket;
    this.#ready.filter(valid);
    this.#timed.filter(valid);
  }

  /** Drops everything. */
  clear(): void {
    this.#ready.clear();
    this.#timed.clear();
  }
}
