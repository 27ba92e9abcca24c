import { LRUCache } from 'lru-cache';
import type { IdempotencyStore } from '../../idempotency/store.js';

/** Options of {@link lruIdempotencyStore}. */
export interface LruIdempotencyOptions {
  /** Most keys held; the least recently used go first. @default 10000 */
  max?: number;
  /** Clock for TTLs (tests). @default performance */
  perf?: { now(): number };
}

/**
 * An in-memory, size-bounded idempotency store on lru-cache. Keys expire after the TTL given to
 * `reserve` (checked lazily: no timers run).
 */
export function lruIdempotencyStore(options: LruIdempotencyOptions = {}): IdempotencyStore {
  const max = options.max ?? 10_000;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`idempotency.max must be a whole number >= 1, got ${String(options.max)}`);
  }
  const cache = new LRUCache<string, true>({ max, ttlAutopurge: false, ttlResolution: 0, ...(options.perf ? { perf: options.perf } : {}) });
  return {
    name: 'memory',
    reserve(key, ttlMs) {
      if (cache.has(key)) return false;
      cache.set(key, true, { ttl: ttlMs });
      return true;
    },
    release(key) {
      cache.delete(key);
    },
    size: () => cache.size,
    close() {
      cache.clear();
    },
  };
}
