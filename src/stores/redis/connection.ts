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

/**
 * The reconnect delay of the connections the store makes when the options set no `retryStrategy`:
 * 50 ms more per attempt, at most 2 s, so a restarted Redis is in use again within about 2 s
 * (ioredis 6 waits up to 5 s by default, BullMQ up to 20 s).
 */
export const reconnectDelay = (times: number): number => Math.min(times * 50, 2_000);

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
  const created = new Redis({ ...rest, retryStrategy: rest.retryStrategy ?? reconnectDelay });
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

/**
 * A connection for writes that must not happen later than the store says: a command is written at
 * once or rejected at once, never held in an offline queue, never re-sent after a reconnect, and a
 * command in flight when the connection drops is rejected (it may or may not have run).
 * Made from the options of `resolved` (an ioredis instance's options too); always owned by the store.
 */
export function failFastConnection(resolved: ResolvedConnection): Redis {
  const { replyMapping: _replyMapping, lazyConnect: _lazyConnect, ...rest } = resolved.options;
  const options: typeof rest = {
    ...rest,
    retryStrategy: rest.retryStrategy ?? reconnectDelay,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
  };
  // Read by BullMQ (not ioredis): its version check would be one more command that can fail.
  Object.assign(options, { skipVersionCheck: true });
  const client = new Redis(options);
  client.on('error', () => undefined);
  return client;
}

/** ioredis' message when a fail-fast connection refuses a command without sending it. */
const NOT_SENT = /Stream isn't writeable and enableOfflineQueue options is false/;

/** True when `err` says the command was refused before being written (so it never runs). */
export const wasNotSent = (err: unknown): boolean => NOT_SENT.test(String((err as Error | undefined)?.message));

/** What {@link whenReady} needs of a connection (an ioredis client, or BullMQ's proxy of one). */
export interface ReadyAware {
  readonly status: string;
  once(event: 'ready', listener: () => void): unknown;
}

const readyWaits = new WeakMap<object, Promise<void>>();

/** Resolves once `client` is ready (at once when it is); one listener per client however many wait. */
export function whenReady(client: ReadyAware): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  let wait = readyWaits.get(client);
  if (!wait) {
    wait = new Promise<void>((resolve) => {
      client.once('ready', () => {
        readyWaits.delete(client);
        resolve();
      });
    });
    readyWaits.set(client, wait);
  }
  return wait;
}
