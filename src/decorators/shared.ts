/**
 * State the decorators keep once per process, not once per copy of the package. A process may load
 * two copies: the ES module build (`import`) and the CommonJS build (`require`, as NestJS apps and
 * Jest do), for instance when an ES module app uses a CommonJS library that uses this package. The
 * default client, the decorated methods and the replay registrations must be the same for both, so
 * they live on `globalThis` under a registered symbol. The `v1` in the key changes whenever the
 * shape of a value changes, so that copies of incompatible versions keep their own.
 */
export function processWide<T extends object>(name: string, create: () => T): T {
  const key = Symbol.for(`customerio-resilience.v1.${name}`);
  const holder = globalThis as { [key: symbol]: unknown };
  const existing = holder[key];
  if (typeof existing === 'object' && existing !== null) return existing as T;
  const value = create();
  Object.defineProperty(globalThis, key, { value, enumerable: false, writable: false, configurable: false });
  return value;
}
