/**
 * Hostile argument values for the validation tests: every one must be refused as `INVALID_INPUT`
 * (never throw, never end `failed/UNKNOWN`), and no message may quote a value or a thrown text.
 */

/** In the text of every error a hostile value throws. */
export const THROWN = 'ThRoWnTeXt';
/** In every string value the tests pass. */
export const VALUE = 'VaLuEmArK';

/** An error carrying {@link THROWN}. */
export function thrown(): Error {
  return new Error(`${THROWN} from the caller`);
}

/** Something thrown that is not an Error and whose own conversion to text throws too. */
export const NASTY_THROWABLE = Object.freeze({
  toString(): string {
    throw new Error(`${THROWN} from toString`);
  },
});

/** An object with an enumerable own getter `key` that throws. */
export function throwingGetter(key = 'broken', base: Record<string, unknown> = { ok: VALUE }): Record<string, unknown> {
  return Object.defineProperty(base, key, {
    enumerable: true,
    configurable: true,
    get(): never {
      throw thrown();
    },
  });
}

/** A Proxy over `target` whose `trap` throws. */
export function throwingTrap(trap: keyof ProxyHandler<object>, target: object = { a: VALUE }): object {
  return new Proxy(target, {
    [trap]: () => {
      throw thrown();
    },
  });
}

/** A revoked Proxy (any operation on it throws a TypeError). */
export function revoked(target: object = { a: VALUE }): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** Proxy traps a serialiser or the client may touch. */
export const TRAPS: ReadonlyArray<keyof ProxyHandler<object>> = ['get', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'has'];

/** An array with `length` items that shares each level with the next: 2^levels leaves, few objects. */
export function sharingBomb(levels: number): unknown[] {
  let level: unknown[] = [VALUE, VALUE];
  for (let i = 0; i < levels; i++) level = [level, level];
  return level;
}

/** A sparse array of the greatest length (JSON of it cannot be built). */
export function hugeSparseArray(): unknown[] {
  const items: unknown[] = [];
  items.length = 2 ** 32 - 1;
  return items;
}

/** `{ d: { d: … } }`, `levels` deep. */
export function deepNesting(levels: number): Record<string, unknown> {
  let deep: Record<string, unknown> = { leaf: VALUE };
  for (let i = 0; i < levels; i++) deep = { d: deep };
  return deep;
}

/**
 * Named makers of hostile values, each a fresh value per call. Each is refused wherever it sits in
 * a call's arguments (as an argument, an attribute value, an item of event data …).
 */
export const HOSTILE_VALUES: ReadonlyArray<readonly [string, () => unknown]> = [
  ['an object with a getter that throws', () => throwingGetter()],
  ['an object whose toJSON() throws', () => ({ toJSON: () => { throw thrown(); } })],
  ['an object whose toJSON() throws something that is not an Error', () => ({ toJSON: () => { throw NASTY_THROWABLE; } })],
  ['an object whose toJSON() returns undefined', () => ({ secret: VALUE, toJSON: () => undefined })],
  ['an object whose toJSON getter throws', () => Object.defineProperty({}, 'toJSON', { get: () => { throw thrown(); } })],
  ['an object whose toJSON() returns an object with a getter that throws', () => ({ toJSON: () => throwingGetter() })],
  ['an object whose toJSON() returns a BigInt', () => ({ toJSON: () => 10n })],
  ['an array with an item getter that throws', () => Object.defineProperty([VALUE, VALUE], 1, { get: () => { throw thrown(); } })],
  ...TRAPS.map((trap) => [`a Proxy whose ${trap} trap throws`, () => throwingTrap(trap)] as const),
  ['an array Proxy whose get trap throws', () => throwingTrap('get', [VALUE])],
  ['a revoked Proxy', () => revoked()],
  ['a revoked array Proxy', () => revoked([VALUE])],
  ['a Proxy that reads like plain data', () => new Proxy({ plan: VALUE }, {})],
  ['an object whose prototype is a Proxy whose get trap throws', () => Object.create(throwingTrap('get')) as object],
  ['an object whose prototype is a revoked Proxy', () => Object.create(revoked()) as object],
  ['a boxed BigInt', () => Object(1n)],
  ['a boxed Number', () => new Number(5)],
  ['a boxed String', () => new String(VALUE)],
  ['a boxed Boolean', () => new Boolean(false)],
  ['a boxed Symbol', () => Object(Symbol(VALUE))],
  ['a BigInt', () => 10n],
  ['a function', () => () => VALUE],
  ['a symbol', () => Symbol(VALUE)],
  ['NaN', () => Number.NaN],
  ['Infinity', () => Number.NEGATIVE_INFINITY],
  ['a Map', () => new Map([[VALUE, VALUE]])],
  ['a Set', () => new Set([VALUE])],
  ['a typed array', () => new Uint8Array([1, 2, 3])],
  ['an ArrayBuffer', () => new ArrayBuffer(8)],
  ['an invalid Date', () => new Date(Number.NaN)],
  ['an object posing as a Date', () => Object.create(Date.prototype) as object],
  ['a sparse array of the greatest length', () => hugeSparseArray()],
  ['an array sharing its levels 2^40 times over', () => sharingBomb(40)],
  ['nesting 300 levels deep', () => deepNesting(300)],
];
