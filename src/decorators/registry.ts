import type { CioClient } from '../client/CioClient.js';
import { CioConfigError } from '../errors/CioError.js';
import { getDefaultCioClient } from './defaultClient.js';
import { operationOf, WRAPPERS, type DecoratedMethod } from './decorated.js';
import { runAsync } from './runAsync.js';
import { processWide } from './shared.js';

/** Per client, the instance each operation is replayed on. One per process (see `processWide`). */
const REGISTERED = processWide('replayRegistrations', () => new WeakMap<CioClient, Map<string, unknown>>());

/**
 * Tells `client` to replay queued calls of `method` on `instance`. An automatic registration
 * (`force: false`: at construction with standard decorators, or at the first call) keeps an
 * existing one; an explicit one (`registerResilient`) replaces it. Resolves whether it registered.
 */
export function registerReplay(client: CioClient, method: DecoratedMethod, instance: unknown, force: boolean): boolean {
  const operation = operationOf(method, instance);
  let ops = REGISTERED.get(client);
  if (!ops) REGISTERED.set(client, (ops = new Map()));
  if (!force && ops.has(operation)) return false;
  const original = method.original;
  client.registerReplay(operation, (...args: unknown[]) => runAsync(() => original.apply(instance, args)), {
    repeatable: method.options.repeatable,
    api: method.options.api,
  });
  ops.set(operation, instance);
  return true;
}

/**
 * Registers every `@Resilient()` method of `instance` (including inherited ones) with its client,
 * so calls queued by `fallback: 'queue'` (by this process or, with a durable queue store, before a
 * restart) are replayed on this instance. Call it once the instance is built: right after `new`, or
 * in NestJS's `onModuleInit()`. It replaces an earlier registration of the same operation name.
 *
 * With standard (TC39) decorators every instance registers itself at construction when a client is
 * known then; with `experimentalDecorators` a method registers at its first call. This function
 * is needed for replays to start before that, and works in both modes. `#private` methods are
 * not reachable by it (with standard decorators they register at construction).
 *
 * @param client - the client to register with; default: each method's `client` option, else the default client.
 * @returns the operation names registered.
 * @throws CioConfigError when a method has no client to register with.
 */
export function registerResilient(instance: object, client?: CioClient): string[] {
  if ((typeof instance !== 'object' && typeof instance !== 'function') || instance === null) {
    throw new TypeError(`registerResilient: instance must be an object, got ${instance === null ? 'null' : typeof instance}`);
  }
  const seen = new Set<string | symbol>();
  const registered: string[] = [];
  let o: object | null = instance;
  for (let depth = 0; depth < 64 && o !== null && o !== Object.prototype && o !== Function.prototype; depth++) {
    for (const key of Reflect.ownKeys(o)) {
      if (seen.has(key)) continue;
      seen.add(key);
      const d = Object.getOwnPropertyDescriptor(o, key);
      const method = d && typeof d.value === 'function' ? WRAPPERS.get(d.value as Function) : undefined;
      if (!method) continue;
      const target = client ?? method.options.client ?? getDefaultCioClient();
      const operation = operationOf(method, instance);
      if (!target) {
        throw new CioConfigError(`registerResilient: no Customer.io client for '${operation}'; pass one, set the method's client option or call setDefaultCioClient()`);
      }
      registerReplay(target, method, instance, true);
      registered.push(operation);
    }
    o = Object.getPrototypeOf(o) as object | null;
  }
  return registered;
}
