import type { NormalizedResilientOptions, ResilientOptions } from './options.js';
import { processWide } from './shared.js';

/** One decorated method: the original, its options and (once known) its operation name. */
export interface DecoratedMethod {
  /** The method as written. */
  readonly original: (...args: unknown[]) => unknown;
  /** The function that replaced it on the class. */
  readonly wrapper: (...args: unknown[]) => Promise<unknown>;
  /** The method's name (`#name` for a private method). */
  readonly name: string | symbol;
  /** Whether it is a `#private` method (not reachable by property name). */
  readonly isPrivate: boolean;
  /** Validated options. */
  readonly options: NormalizedResilientOptions;
  /** The options as given (frozen copy), what `getResilientOptions` returns. */
  readonly given: Readonly<ResilientOptions>;
  /** The operation name, once known. */
  operation: string | undefined;
}

/**
 * Every `@Resilient()` wrapper, to find its record from a class's methods. One per process, so that
 * `registerResilient()` and `getResilientOptions()` of either build see methods decorated by the other.
 */
export const WRAPPERS = processWide('wrappers', () => new WeakMap<Function, DecoratedMethod>());

/** The object in `from`'s prototype chain (itself included) that holds `method` as an own property. */
export function ownerOf(from: unknown, method: DecoratedMethod): object | undefined {
  if (method.isPrivate) return undefined;
  let o: unknown = from;
  for (let depth = 0; depth < 64 && (typeof o === 'object' || typeof o === 'function') && o !== null; depth++) {
    const d = Object.getOwnPropertyDescriptor(o, method.name);
    if (d && d.value === method.wrapper) return o;
    o = Object.getPrototypeOf(o);
  }
  return undefined;
}

/** Name of the class an owner (a prototype, or a class for a static method) belongs to. */
export function classNameOf(owner: unknown): string {
  if (typeof owner === 'function') return owner.name || 'anonymous';
  const ctor = (owner as { constructor?: { name?: unknown } } | null | undefined)?.constructor;
  return typeof ctor?.name === 'string' && ctor.name ? ctor.name : 'anonymous';
}

/**
 * The operation name of a decorated method called on `self`: the `operation` option, else
 * `ClassName.methodName` of the class that declares it. Cached once the class is known.
 */
export function operationOf(method: DecoratedMethod, self: unknown): string {
  if (method.operation !== undefined) return method.operation;
  const owner = ownerOf(self, method);
  const name = `${classNameOf(owner ?? self)}.${String(method.name)}`;
  if (owner !== undefined || (method.isPrivate && self !== undefined && self !== null)) method.operation = name;
  return name;
}
