import { CioValidationError } from '../errors/CioError.js';
import { boundedKey, deriveIdempotencyKey } from '../idempotency/keys.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { CioResult } from '../operations/types.js';
import { describeType } from '../internal/describe.js';

/** A caller's idempotency key must be a non-empty, well-formed string (any length: long ones are hashed). */
export function checkCallerKey(where: string, field: string, key: unknown): CioValidationError | undefined {
  if (key === undefined || (typeof key === 'string' && key !== '' && key.isWellFormed())) return undefined;
  const got = typeof key === 'string' ? (key === '' ? 'an empty string' : 'a string with a lone UTF-16 surrogate') : describeType(key);
  return new CioValidationError(field, `${where}: ${field} must be a non-empty string, got ${got}`);
}

/** Where the guard keeps a caller's key: scoped by operation, long keys hashed. */
export function callerStoreKey(operation: string, key: string): string {
  return `${operation}:key:${boundedKey(key)}`;
}

/** The keys of a call without one. */
const NO_KEY = Object.freeze({ reportedKey: '', storeKey: undefined });

/** How long keys are kept. */
export interface GuardSettings {
  /** A caller's key. */
  ttlMs: number;
  /** A content key (`contentKeys`). */
  derivedTtlMs: number;
  /** Whether a keyless call gets a content key. */
  contentKeys: boolean;
}

/**
 * The idempotency guard: the keys seen within their TTL (in the store) and the calls under way with
 * a key (in memory), so a repeat resolves `duplicate` and concurrent calls with one key make one
 * request. Only a key marks a repeat: a call without one is never guarded.
 */
export class IdempotencyGuard {
  readonly #store: IdempotencyStore | undefined;
  readonly #settings: GuardSettings | undefined;
  readonly #onStoreFailed: (operation: string, err: unknown) => void;
  /** Calls under way, by their store key: a call with the same key joins the first. */
  readonly #inFlight = new Map<string, Promise<CioResult>>();

  constructor(store: IdempotencyStore | undefined, settings: GuardSettings | undefined, onStoreFailed: (operation: string, err: unknown) => void) {
    this.#store = store;
    this.#settings = settings;
    this.#onStoreFailed = onStoreFailed;
  }

  /**
   * The keys of a call: the caller's key (reported as given, guarded by operation), else a content
   * key when the app opted in (`idempotency.contentKeys`), else none (the call is never a repeat).
   */
  keyOf(operation: string, given: string | undefined, args: readonly unknown[]): { reportedKey: string; storeKey: string | undefined } {
    if (given !== undefined) return { reportedKey: given, storeKey: callerStoreKey(operation, given) };
    if (this.#settings?.contentKeys) {
      const key = deriveIdempotencyKey(operation, args);
      return { reportedKey: key, storeKey: key };
    }
    return NO_KEY;
  }

  /** The call under way with this key, if any. */
  running(storeKey: string): Promise<CioResult> | undefined {
    return this.#inFlight.get(storeKey);
  }

  /** Marks a call under way with this key until `result` settles. */
  track(storeKey: string, result: Promise<CioResult>): void {
    this.#inFlight.set(storeKey, result);
    const done = (): void => {
      if (this.#inFlight.get(storeKey) === result) this.#inFlight.delete(storeKey);
    };
    void result.then(done, done);
  }

  /**
   * Reserves the key: true when it was not seen within its TTL. Never throws or rejects: a store
   * that fails (a shared one that is down) must not stop delivery, so the call goes out and
   * Customer.io's ULID de-duplication helps.
   */
  reserve(operation: string, storeKey: string, explicit: boolean): boolean | Promise<boolean> {
    const store = this.#store;
    if (!store || !this.#settings) return true;
    let reserved: boolean | Promise<boolean>;
    try {
      reserved = store.reserve(storeKey, explicit ? this.#settings.ttlMs : this.#settings.derivedTtlMs);
    } catch (err) {
      this.#onStoreFailed(operation, err);
      return true;
    }
    if (typeof reserved === 'boolean') return reserved;
    return reserved.then(
      (fresh) => fresh,
      (err: unknown) => {
        this.#onStoreFailed(operation, err);
        return true;
      },
    );
  }

  /** Forgets a key whose operation was not delivered nor kept, so the caller may try again. Never rejects. */
  async release(storeKey: string | undefined): Promise<void> {
    try {
      if (storeKey !== undefined) await this.#store?.release(storeKey);
    } catch {
      /* the key expires by itself */
    }
  }

  /** Closes the store (the client owns the store it was given). */
  async close(): Promise<void> {
    await this.#store?.close?.();
  }
}
