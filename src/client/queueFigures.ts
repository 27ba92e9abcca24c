import type { QueueStats } from '../queue/store.js';

const EMPTY: QueueStats = { depth: 0, oldestAgeMs: 0, dropped: 0, deadLetters: 0 };

/**
 * The queue's figures as `health()` reports them, read synchronously: the store's last figures,
 * changed at once by what this client pushed or set aside, and read again in the background.
 */
export class QueueFigures {
  #stats: QueueStats = EMPTY;
  #at = 0;

  /** The store's figures, as just read. */
  set(stats: QueueStats): void {
    this.#stats = stats;
    this.#at = Date.now();
  }

  get stats(): QueueStats {
    return this.#stats;
  }

  /** Age of the oldest queued operation now, from the last figures. */
  oldestAge(): number {
    return this.#stats.depth === 0 ? 0 : this.#stats.oldestAgeMs + (Date.now() - this.#at);
  }

  /** Adds what this client just did to the last figures. */
  bump(change: { depth?: number; dropped?: number; deadLetters?: number }): void {
    const q = this.#stats;
    this.set({
      depth: q.depth + (change.depth ?? 0),
      oldestAgeMs: q.depth === 0 ? 0 : this.oldestAge(),
      dropped: q.dropped + (change.dropped ?? 0),
      deadLetters: q.deadLetters + (change.deadLetters ?? 0),
    });
  }
}
