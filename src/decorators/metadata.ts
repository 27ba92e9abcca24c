import { nodeRequire } from '../internal/nodeRequire.js';
import { ownerOf, WRAPPERS, type DecoratedMethod } from './decorated.js';
import type { ResilientOptions } from './options.js';
import { processWide } from './shared.js';

/** The reflect-metadata key `@Resilient()` keeps a method's options under. */
export const RESILIENT_METADATA = 'customerio-resilience:resilient';

/** What the decorators use of the reflect-metadata API, when it is loaded. */
interface MetadataApi {
  defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void;
  getOwnMetadata(key: unknown, target: object, property?: string | symbol): unknown;
  getOwnMetadataKeys(target: object, property?: string | symbol): unknown[];
}

/** The reflect-metadata API on the global `Reflect`, when a polyfill (reflect-metadata, core-js) put it there. */
function metadataApi(): MetadataApi | undefined {
  const r: object = Reflect;
  if (!('defineMetadata' in r) || !('getOwnMetadata' in r) || !('getOwnMetadataKeys' in r)) return undefined;
  if (typeof r.defineMetadata !== 'function' || typeof r.getOwnMetadata !== 'function' || typeof r.getOwnMetadataKeys !== 'function') return undefined;
  return r as MetadataApi;
}

let loadTried = false;

/**
 * Loads reflect-metadata (a dependency) when the first `@Resilient()` is applied, unless a
 * polyfill is already there: importing the package does not install the global, only using the
 * decorator does. Apps with `experimentalDecorators` + `emitDecoratorMetadata` (NestJS) import
 * `reflect-metadata` themselves before any decorated class, as they must for `design:paramtypes`.
 */
export function loadReflectMetadata(): void {
  if (loadTried) return;
  loadTried = true;
  if (metadataApi()) return;
  try {
    nodeRequire('reflect-metadata');
  } catch {
    // Without it the options are still kept below (getResilientOptions), just not as reflect metadata.
  }
}

/** Options per owner (a prototype, or a class for static methods) and method name. One per process. */
const OPTIONS = processWide('resilientOptions', () => new WeakMap<object, Map<string | symbol, Readonly<ResilientOptions>>>());

/**
 * Keeps a method's options on its class's prototype (or on the class, for a static method): in the
 * package's own store, and as reflect metadata under {@link RESILIENT_METADATA} when the
 * reflect-metadata API is loaded.
 */
export function defineResilientMetadata(owner: object, method: DecoratedMethod): void {
  let own = OPTIONS.get(owner);
  if (!own) OPTIONS.set(owner, (own = new Map()));
  if (own.has(method.name)) return;
  own.set(method.name, method.given);
  const api = metadataApi();
  if (api && api.getOwnMetadata(RESILIENT_METADATA, owner, method.name) === undefined) {
    api.defineMetadata(RESILIENT_METADATA, method.given, owner, method.name);
  }
}

/**
 * Keeps the metadata other decorators put on the original function (NestJS route and guard
 * decorators do) readable on the function that replaces it.
 */
export function copyFunctionMetadata(from: Function, to: Function): void {
  const api = metadataApi();
  if (!api) return;
  for (const key of api.getOwnMetadataKeys(from)) {
    api.defineMetadata(key, api.getOwnMetadata(key, from), to);
  }
}

/** The options recorded for `method` on `target` or an object in its prototype chain. */
function recorded(target: object, method: string | symbol): Readonly<ResilientOptions> | undefined {
  let o: object | null = target;
  for (let depth = 0; depth < 64 && o !== null; depth++) {
    const found = OPTIONS.get(o)?.get(method);
    if (found) return found;
    o = Object.getPrototypeOf(o) as object | null;
  }
  return undefined;
}

/**
 * The options `@Resilient()` was given for a method, as a frozen copy, or `undefined` when the
 * method is not decorated. `target` is an instance, a class's prototype, or a class (its prototype's
 * methods are looked up, then its static ones).
 *
 * With standard decorators the options are written to the prototype when the first instance is
 * constructed; before that they are found from the method itself.
 */
export function getResilientOptions(target: object, method: string | symbol): Readonly<ResilientOptions> | undefined {
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null) {
    throw new TypeError(`getResilientOptions: target must be an object or a class, got ${target === null ? 'null' : typeof target}`);
  }
  const candidates: object[] = typeof target === 'function' && typeof target.prototype === 'object' ? [target.prototype as object, target] : [target];
  for (const c of candidates) {
    const found = recorded(c, method);
    if (found) return found;
  }
  for (const c of candidates) {
    let o: object | null = c;
    for (let depth = 0; depth < 64 && o !== null; depth++) {
      const d = Object.getOwnPropertyDescriptor(o, method);
      if (d) {
        const decorated = typeof d.value === 'function' ? WRAPPERS.get(d.value as Function) : undefined;
        if (decorated && ownerOf(c, decorated)) return decorated.given;
        break;
      }
      o = Object.getPrototypeOf(o) as object | null;
    }
  }
  return undefined;
}
