import type { CioClient } from '../../client/CioClient.js';

/**
 * What the console counts: each call's result by status, replays Customer.io accepted, and
 * operations set aside as dead letters.
 */
export const OUTCOME_KINDS = ['sent', 'queued', 'duplicate', 'rejected', 'failed', 'dropped', 'replayed', 'deadLettered'] as const;

/** One of {@link OUTCOME_KINDS}. */
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** Counts by kind. */
export type OutcomeCounts = Record<OutcomeKind, number>;

/** What the console reports of the outcomes. */
export interface OutcomeSnapshot {
  /** Length of the "recent" window, in ms. */
  windowMs: number;
  /** Counts within the last `windowMs`. */
  recent: OutcomeCounts;
  /** Counts since `since`. */
  total: OutcomeCounts;
  /** When counting started (the router was made), ISO time. */
  since: string;
}

const BUCKETS = 30;
const KNOWN: ReadonlySet<string> = new Set(OUTCOME_KINDS);

const zero = (): OutcomeCounts => ({ sent: 0, queued: 0, duplicate: 0, rejected: 0, failed: 0, dropped: 0, replayed: 0, deadLettered: 0 });

/**
 * Counts a client's outcomes from its events, from the moment it is made: in total, and in a sliding
 * window kept as {@link BUCKETS} buckets (so "recent" is exact to a thirtieth of the window).
 */
export class OutcomeCounter {
  readonly #windowMs: number;
  readonly #bucketMs: number;
  readonly #now: () => number;
  readonly #since: number;
  readonly #total = zero();
  /** Buckets in time order: their start (ms since the epoch) and counts. */
  readonly #buckets: Array<{ start: number; counts: OutcomeCounts }> = [];

  constructor(client: CioClient, windowMs: number, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#bucketMs = Math.max(1, Math.floor(windowMs / BUCKETS));
    this.#now = now;
    this.#since = now();
    client.on('result', (r) => {
      if (KNOWN.has(r.status)) this.#add(r.status as OutcomeKind);
    });
    client.on('sent', (e) => {
      if (e.replayed) this.#add('replayed');
    });
    client.on('deadLettered', () => this.#add('deadLettered'));
  }

  #add(kind: OutcomeKind): void {
    this.#total[kind]++;
    const t = this.#now();
    const start = t - (t % this.#bucketMs);
    let last = this.#buckets[this.#buckets.length - 1];
    if (!last || last.start !== start) {
      this.#prune(t);
      last = { start, counts: zero() };
      this.#buckets.push(last);
    }
    last.counts[kind]++;
  }

  /** Drops the buckets wholly outside the window that ends at `t`. */
  #prune(t: number): void {
    const from = t - this.#windowMs;
    while (this.#buckets.length > 0 && this.#buckets[0]!.start + this.#bucketMs <= from) this.#buckets.shift();
  }

  /** The counts now. */
  snapshot(): OutcomeSnapshot {
    this.#prune(this.#now());
    const recent = zero();
    for (const b of this.#buckets) for (const kind of OUTCOME_KINDS) recent[kind] += b.counts[kind];
    return { windowMs: this.#windowMs, recent, total: { ...this.#total }, since: new Date(this.#since).toISOString() };
  }
}
