/**
 * A binary min-heap of values keyed by numbers, kept in parallel arrays (no object per item).
 * Each item carries a ticket so that callers can invalidate items lazily: an item whose ticket
 * no longer matches its value's current ticket is skipped by the caller when popped.
 */
export class MinHeap<T> {
  #keys: number[] = [];
  #values: T[] = [];
  #tickets: number[] = [];

  /** Items held, stale ones included. */
  get size(): number {
    return this.#keys.length;
  }

  /** The smallest key, or `Infinity` when empty. */
  peekKey(): number {
    return this.#keys.length > 0 ? this.#keys[0]! : Number.POSITIVE_INFINITY;
  }

  /** Adds an item. */
  push(key: number, value: T, ticket: number): void {
    const keys = this.#keys;
    let i = keys.length;
    keys.push(key);
    this.#values.push(value);
    this.#tickets.push(ticket);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      this.#move(parent, i);
      i = parent;
    }
    this.#set(i, key, value, ticket);
  }

  /** Removes the item with the smallest key and hands it to `into`; false when empty. */
  pop(into: (value: T, ticket: number) => void): boolean {
    const n = this.#keys.length;
    if (n === 0) return false;
    const value = this.#values[0]!;
    const ticket = this.#tickets[0]!;
    const lastKey = this.#keys.pop()!;
    const lastValue = this.#values.pop()!;
    const lastTicket = this.#tickets.pop()!;
    if (n > 1) this.#siftDown(0, lastKey, lastValue, lastTicket);
    into(value, ticket);
    return true;
  }

  /** Keeps only the items `keep` accepts (used to drop stale items in one pass). */
  filter(keep: (value: T, ticket: number) => boolean): void {
    const keys: number[] = [];
    const values: T[] = [];
    const tickets: number[] = [];
    for (let i = 0; i < this.#keys.length; i++) {
      if (!keep(this.#values[i]!, this.#tickets[i]!)) continue;
      keys.push(this.#keys[i]!);
      values.push(this.#values[i]!);
      tickets.push(this.#tickets[i]!);
    }
    this.#keys = keys;
    this.#values = values;
    this.#tickets = tickets;
    for (let i = (keys.length >> 1) - 1; i >= 0; i--) this.#siftDown(i, keys[i]!, values[i]!, tickets[i]!);
  }

  /** Empties the heap. */
  clear(): void {
    this.#keys = [];
    this.#values = [];
    this.#tickets = [];
  }

  #siftDown(start: number, key: number, value: T, ticket: number): void {
    const keys = this.#keys;
    const n = keys.length;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1]! < keys[child]!) child++;
      if (keys[child]! >= key) break;
      this.#move(child, i);
      i = child;
    }
    this.#set(i, key, value, ticket);
  }

  #move(from: number, to: number): void {
    this.#keys[to] = this.#keys[from]!;
    this.#values[to] = this.#values[from]!;
    this.#tickets[to] = this.#tickets[from]!;
  }

  #set(i: number, key: number, value: T, ticket: number): void {
    this.#keys[i] = key;
    this.#values[i] = value;
    this.#tickets[i] = ticket;
  }
}
