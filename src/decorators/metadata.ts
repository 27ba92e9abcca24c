import 'reflect-metadata';
import { ownerOf, WRAPPERS, type DecoratedMethod } from './decorated.js';
import type { ResilientOptions } from './options.js';

/** The reflect-metadata key `@Resilient()` keeps a method's options under. */
export const RESILIENT_METADATA = 'customerio-resilience:resilient';

/** Keeps a method's options on its class's prototype (or on the class, for a static method). */
export function defineResilientMetadata(owner: object, method: DecoratedMethod): void {
  if (!Reflect.hasOwnMetadata(RESILIENT_METADATA, owner, method.name)) {
    Reflect.defineMetadata(RESILIENT_METADATA, method.given, owner, method.name);
  }
}

/**
 * Keeps the metadata other decorators put on the original function (NestJS route and guard
 * decorators do) readable on the function that replaces it.
 */
export function copyFunctionMetadata(from: Function, to: Function): void {
  for (const key of Reflect.getOwnMetadataKeys(from)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, from), to);
  }
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
    const found = Reflect.getMetadata(RESILIENT_METADATA, c, method) as Readonly<ResilientOptions> | undefined;
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
