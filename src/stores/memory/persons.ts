import { NONE, type SlotTable } from './slots.js';

/**
 * Each person's chain of slots, in push order, linked through the table's `prev` and `next`
 * columns. Only a chain's head may be handed out; entries with an empty person key are chains of
 * one. Every person with queued entries has a number (the table's `person` column), so their
 * entries share one copy of the key; a person is forgotten when their last entry leaves.
 */
export class PersonChains {
  readonly #slots: SlotTable;
  /** Person key → person number. */
  readonly #numbers = new Map<string, number>();
  /** By person number: the key, and the last slot of the chain. */
  readonly #keys: (string | undefined)[] = [];
  readonly #tails: number[] = [];
  /** Person numbers free for reuse. */
  readonly #free: number[] = [];

  constructor(slots: SlotTable) {
    this.#slots = slots;
  }

  /** The person key of `slot`. */
  keyOf(slot: number): string {
    const person = this.#slots.person[slot]!;
    return person === NONE ? '' : this.#keys[person]!;
  }

  /** Appends `slot` to the chain of `personKey`; true when it is the head (nothing of theirs before it). */
  append(slot: number, personKey: string): boolean {
    if (personKey === '') return true;
    const slots = this.#slots;
    let person = this.#numbers.get(personKey);
    if (person === undefined) {
      person = this.#free.pop() ?? this.#keys.length;
      this.#numbers.set(personKey, person);
      this.#keys[person] = personKey;
      this.#tails[person] = slot;
      slots.person[slot] = person;
      return true;
    }
    const tail = this.#tails[person]!;
    this.#tails[person] = slot;
    slots.person[slot] = person;
    slots.next[tail] = slot;
    slots.prev[slot] = tail;
    return false;
  }

  /** Unlinks `slot`; returns the slot that became its person's head, or NONE. */
  remove(slot: number): number {
    const slots = this.#slots;
    const person = slots.person[slot]!;
    if (person === NONE) return NONE;
    const prev = slots.prev[slot]!;
    const next = slots.next[slot]!;
    if (prev !== NONE) slots.next[prev] = next;
    if (next !== NONE) slots.prev[next] = prev;
    if (this.#tails[person] === slot) {
      if (prev !== NONE) this.#tails[person] = prev;
      else this.#forget(person);
    }
    slots.prev[slot] = NONE;
    slots.next[slot] = NONE;
    return prev === NONE ? next : NONE;
  }

  /** Forgets every chain. */
  clear(): void {
    this.#numbers.clear();
    this.#keys.length = 0;
    this.#tails.length = 0;
    this.#free.length = 0;
  }

  #forget(person: number): void {
    this.#numbers.delete(this.#keys[person]!);
    this.#keys[person] = undefined;
    this.#free.push(person);
  }
}
