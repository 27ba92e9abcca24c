import type { QueueStoreSuiteOptions } from './storeContract.js';
import type { QueueEntry } from '../../src/queue/store.js';

let counter = 0;
const run = Math.random().toString(36).slice(2, 8);

/** A queue entry with a unique id; `overrides` set any field. */
export function makeEntry(overrides: Partial<QueueEntry> = {}): QueueEntry {
  counter++;
  return {
    id: `e-${run}-${String(counter).padStart(6, '0')}`,
    operation: 'track',
    args: ['person-1', { name: 'signed_up', data: { plan: 'pro', seats: 3, tags: ['a', 'b'], nested: { ok: true, none: null } } }],
    idempotencyKey: `key-${counter}`,
    personKey: '',
    enqueuedAt: 1_700_000_000_000 + counter,
    attempts: 0,
    ...overrides,
  };
}

/** The ids of `entries`, in order. */
export const ids = (entries: readonly QueueEntry[]): string[] => entries.map((e) => e.id);

/** Resolves after `ms` of real time (an unref'd timer). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Calls `read` until `done` accepts its value or `withinMs` of real time passes, and returns the
 * last value (so the caller's assertion reports what was seen). With `withinMs` 0 it reads once.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await sleep(20);
  }
}

/** A hand-moved clock for stores that accept one, and the suite options that drive it. */
export function fakeClock(): { now: () => number; advance(ms: number): void; suite: QueueStoreSuiteOptions } {
  let t = 1_800_000_000_000;
  const now = (): number => t;
  const advance = (ms: number): void => {
    t += ms;
  };
  return {
    now,
    advance,
    suite: {
      now,
      advance: async (ms) => advance(ms),
      shortLeaseMs: 1_000,
      shortDelayMs: 5_000,
      settleMs: 0,
      exactClock: true,
      retryKeepsPlaceAfterDelay: true,
    },
  };
}
