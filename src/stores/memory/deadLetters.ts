import type { DeadLetter } from '../../queue/store.js';

/** Dead letters in the order they were set aside, at most `max`: the oldest go first when full. */
export class DeadLetterList {
  readonly #items = new Map<string, DeadLetter>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Dead letters held. */
  get size(): number {
    return this.#items.size;
  }

  /** Adds (or replaces, moving it last) a dead letter; returns how many old ones were evicted. */
  add(dead: DeadLetter): number {
    this.#items.delete(dead.id);
    // Its own copy of the arguments (as JSON, like every store), so later changes by the caller do not reach it.
    this.#items.set(dead.id, { ...dead, args: JSON.parse(JSON.stringify(dead.args)) as unknown[] });
    let evicted = 0;
    while (this.#items.size > this.#max) {
      const oldest = this.#items.keys().next();
      if (oldest.done === true) break;
      this.#items.delete(oldest.value);
      evicted++;
    }
    return evicted;
  }

  /** The dead letter with this id, if held. */
  get(id: string): DeadLetter | undefined {
    return this.#items.get(id);
  }

  /** Forgets the dead letter with this id. */
  delete(id: string): void {
    this.#items.delete(id);
  }

  /** Up to `limit` dead letters, oldest first. */
  list(limit: number): DeadLetter[] {
    const out: DeadLetter[] = [];
    for (const dead of this.#items.values()) {
      if (out.length >= limit) break;
      out.push(dead);
    }
    return out;
  }

  /** Every id held, oldest first. */
  ids(): string[] {
    return [...this.#items.keys()];
  }

  /** Forgets every dead letter. */
  clear(): void {
    this.#items.clear();
  }
}
