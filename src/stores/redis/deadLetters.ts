import type { Redis } from 'ioredis';
import type { DeadLetter } from '../../queue/store.js';
import type { QueueKeys } from './keys.js';
import { runScript } from './runScript.js';
import { ADD_DEAD } from './scripts.js';

/** Dead letters in Redis: a hash of JSON by id, and a sorted set keeping their order. */
export class RedisDeadLetters {
  readonly #client: Redis;
  readonly #keys: QueueKeys;
  readonly #max: number;

  constructor(client: Redis, keys: QueueKeys, max: number) {
    this.#client = client;
    this.#keys = keys;
    this.#max = max;
  }

  /** Adds (or replaces, moving it last) a dead letter; resolves how many old ones were trimmed. */
  async add(dead: DeadLetter): Promise<number> {
    const k = this.#keys;
    return Number(await runScript(this.#client, ADD_DEAD, [k.seq, k.dead, k.deadOrder], [dead.id, JSON.stringify(dead), this.#max]));
  }

  /** Removes a dead letter; resolves whether it was there. */
  async remove(id: string): Promise<boolean> {
    const results = await this.#client.multi().hdel(this.#keys.dead, id).zrem(this.#keys.deadOrder, id).exec();
    return Number(results?.[0]?.[1] ?? 0) > 0;
  }

  /** The dead letter with this id, if held. */
  async get(id: string): Promise<DeadLetter | undefined> {
    const json = await this.#client.hget(this.#keys.dead, id);
    return json === null ? undefined : (JSON.parse(json) as DeadLetter);
  }

  /** Up to `limit` dead letters, oldest first. */
  async list(limit: number): Promise<DeadLetter[]> {
    const ids = await this.ids(limit);
    if (ids.length === 0) return [];
    const jsons = await this.#client.hmget(this.#keys.dead, ...ids);
    return jsons.flatMap((json) => (json === null ? [] : [JSON.parse(json) as DeadLetter]));
  }

  /** Ids of up to `limit` dead letters, oldest first. */
  async ids(limit = Number.MAX_SAFE_INTEGER): Promise<string[]> {
    if (limit <= 0) return [];
    return this.#client.zrange(this.#keys.deadOrder, 0, String(Math.min(limit, Number.MAX_SAFE_INTEGER) - 1));
  }

  /** Dead letters held. */
  count(): Promise<number> {
    return this.#client.hlen(this.#keys.dead);
  }
}
