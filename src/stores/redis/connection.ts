import { Redis, type RedisOptions } from 'ioredis';
import { show } from '../../queue/check.js';

/** Where to reach Redis: ioredis options (a connection is made and closed by the store) or an ioredis instance (left open). */
export type RedisConnectionInput = RedisOptions | Redis;

/** A connection ready for use, and whether the store must close it. */
export interface ResolvedConnection {
  client: Redis;
  /** True when the store created `client` and so must close it. */
  owned: boolean;
  /** The options the connection was made with, to make more connections like it. */
  options: RedisOptions;
}

/** True when `value` looks like an ioredis client (duck-typed, so another copy of ioredis works too). */
function isClient(value: object): value is Redis {
  const v = value as Partial<Redis>;
  return typeof v.duplicate === 'function' && typeof v.quit === 'function' && typeof v.options === 'object';
}

/**
 * Turns the `connection` option into a client.
 * @throws TypeError when it is neither ioredis options nor an instance, when the instance is a
 * cluster, or when it uses `keyPrefix` (use the store's `prefix` instead).
 */
export function resolveConnection(where: string, connection: unknown): ResolvedConnection {
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    throw new TypeError(`${where}: connection must be ioredis options or an ioredis instance, got ${show(connection)}`);
  }
  if ((connection as { isCluster?: unknown }).isCluster === true) {
    throw new TypeError(`${where}: connection must be a standalone or sentinel ioredis instance, got a Redis Cluster`);
  }
  const client = isClient(connection) ? connection : undefined;
  const options: RedisOptions = client ? client.options : (connection as RedisOptions);
  if (options.keyPrefix) {
    throw new TypeError(`${where}: connection must not set keyPrefix (use the prefix option), got ${show(options.keyPrefix)}`);
  }
  if (client) return { client, owned: false, options };
  // The store reads replies in ioredis' default (legacy) shapes.
  const { replyMapping: _replyMapping, ...rest } = options;
  const created = new Redis(rest);
  // Connection trouble shows as rejected commands; without a listener ioredis would log it.
  created.on('error', () => undefined);
  return { client: created, owned: true, options };
}

/** Closes a connection the store made: politely, then by force if that fails. */
export async function closeOwned(resolved: ResolvedConnection): Promise<void> {
  if (!resolved.owned) return;
  try {
    await resolved.client.quit();
  } catch {
    resolved.client.disconnect();
  }
}
