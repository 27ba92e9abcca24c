import type { IdempotencyStore } from '../../idempotency/store.js';
import { nonEmptyString, optionsObject, show, wholeNumber } from '../../queue/check.js';
import { closeOwned, resolveConnection, type ResolvedConnection } from './connection.js';
import { Deadline } from './deadline.js';
import type { RedisIdempotencyOptions } from './options.js';

const WHERE = 'redisIdempotencyStore';

/** Defaults of {@link RedisIdempotencyOptions}. */
export const REDIS_IDEMPOTENCY_DEFAULTS = Object.freeze({ prefix: 'cio:idem', operationTimeoutMs: 2_000 });

/** The idempotency store on Redis; see `redisIdempotencyStore`. */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly name = 'redis';
  readonly #conn: ResolvedConnection;
  readonly #prefix: string;
  readonly #deadline: Deadline;
  #closing: Promise<void> | undefined;

  constructor(options: RedisIdempotencyOptions) {
    if (options === undefined) throw new TypeError(`${WHERE} options must be an object with a connection, got undefined`);
    const o = optionsObject(WHERE, options);
    this.#prefix = nonEmptyString(`${WHERE}: prefix`, o.prefix, REDIS_IDEMPOTENCY_DEFAULTS.prefix);
    if (o.connection === undefined) throw new TypeError(`${WHERE}: connection must be ioredis options or an ioredis instance, got undefined`);
    const timeoutMs = wholeNumber(`${WHERE}: operationTimeoutMs`, o.operationTimeoutMs, REDIS_IDEMPOTENCY_DEFAULTS.operationTimeoutMs, 1);
    this.#deadline = new Deadline(WHERE, timeoutMs);
    this.#conn = resolveConnection(WHERE, o.connection);
  }

  async reserve(key: string, ttlMs: number): Promise<boolean> {
    this.#open();
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 1) {
      throw new RangeError(`${WHERE}.reserve: ttlMs must be a finite number >= 1, got ${show(ttlMs)}`);
    }
    const reply = await this.#deadline.run(() => this.#conn.client.set(this.#key(key), '1', 'PX', Math.ceil(ttlMs), 'NX'));
    return reply === 'OK';
  }

  async release(key: string): Promise<void> {
    this.#open();
    await this.#deadline.run(() => this.#conn.client.del(this.#key(key)));
  }

  close(): Promise<void> {
    this.#closing ??= this.#deadline
      .run(() => closeOwned(this.#conn))
      .catch(() => {
        if (this.#conn.owned) this.#conn.client.disconnect();
      })
      .finally(() => this.#deadline.end(new Error(`${WHERE}: the store is closed`)));
    return this.#closing;
  }

  #key(key: string): string {
    return `${this.#prefix}:${key}`;
  }

  #open(): void {
    if (this.#closing) throw new Error(`${WHERE}: the store is closed`);
  }
}
