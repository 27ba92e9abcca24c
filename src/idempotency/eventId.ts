import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * A cryptographically random PRNG for ulid that draws from a pooled buffer: the package's default
 * asks the OS for one byte per character (16 calls per id).
 */
const pool = new Uint8Array(4096);
let cursor = pool.length;
function pooledRandom(): number {
  if (cursor >= pool.length) {
    randomFillSync(pool);
    cursor = 0;
  }
  return pool[cursor++]! / 256;
}

const next = monotonicFactory(pooledRandom);

/** A new ULID for an event: sortable by time, unique, and what Customer.io de-duplicates events by. */
export function newEventId(now: number = Date.now()): string {
  return next(now);
}

export { isUlid } from '../internal/ulid.js';
