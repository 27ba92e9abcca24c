/**
 * Where the idempotency guard remembers the keys it has seen. The in-memory LRU store is the
 * default; `redisIdempotencyStore()` (from `customerio-resilience/redis`) shares keys across a fleet.
 */
export interface IdempotencyStore {
  /** A short name for health output, e.g. `'memory'`, `'redis'`. */
  readonly name: string;
  /**
   * Records `key` for `ttlMs` if it is not recorded yet (atomic set-if-absent).
   * @returns true when the key was new (the caller may proceed), false when it was already there.
   */
  reserve(key: string, ttlMs: number): boolean | Promise<boolean>;
  /** Forgets `key`, so the same call may be made again (used when a call was not delivered and not kept). */
  release(key: string): void | Promise<void>;
  /** How many keys are held, where cheap to tell. */
  size?(): number;
  /** Releases connections and timers. Safe to call twice. */
  close?(): void | Promise<void>;
}

/** True when `value` has the shape of an {@link IdempotencyStore}. */
export function isIdempotencyStore(value: unknown): value is IdempotencyStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IdempotencyStore).reserve === 'function' &&
    typeof (value as IdempotencyStore).release === 'function'
  );
}
