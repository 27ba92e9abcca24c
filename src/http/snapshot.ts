import { types } from 'node:util';

/** Thrown inside {@link fastCopy} when the arguments need {@link fullCopy}. */
const NOT_PLAIN = Symbol('not plain data');

/** Deeper than this, the fast copy gives up (the full copy also handles cycles). */
const FAST_DEPTH = 32;
/** Most values the fast copy copies; more, or an object met twice, are left to the full copy. */
const FAST_VALUES = 10_000;
/**
 * Past these, the full copy hands the rest over as it is: validation refuses data that deep or
 * that large anyway (256 levels, a million values), and says where.
 */
const FULL_DEPTH = 300;
const FULL_VALUES = 1_000_000;

/** Values the copy in progress may still copy. */
let budget = 0;

const RECORD = 0;
const ARRAY = 1;
const DATE = 2;
/** Handed over as it is, not copied. */
const KEEP = 3;

/**
 * How an object is copied. Kept as it is: what JSON reads through a caller's code (a `toJSON()`,
 * a Proxy or a prototype that is one) and what validation refuses anyway (maps, sets, boxed
 * primitives, binary data). Copying those would change what is sent (`structuredClone` drops a
 * `toJSON`) or hide a fault validation would name. Runs no caller code: Proxies are found first.
 */
function kindOf(value: object): number {
  if (types.isProxy(value)) return KEEP;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) return 'toJSON' in value ? KEEP : RECORD;
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (types.isProxy(p)) return KEEP;
  }
  if (types.isDate(value)) return DATE;
  if ('toJSON' in value) return KEEP;
  if (Array.isArray(value)) return ARRAY;
  if (types.isMap(value) || types.isSet(value) || types.isWeakMap(value) || types.isWeakSet(value)) return KEEP;
  if (types.isBoxedPrimitive(value) || types.isArrayBufferView(value) || types.isAnyArrayBuffer(value)) return KEEP;
  return RECORD; // a class instance: its own enumerable properties, as JSON sends them
}

/**
 * The copy of plain data (almost every call): no map of objects met, gives up on anything else. Kept for its
 * figure: 0.35 µs per scoped call, against 0.5–0.8 µs for {@link fullCopy} alone (CPU profile of 60 000 scoped calls).
 */
function fastCopy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > FAST_DEPTH) throw NOT_PLAIN;
  if (!types.isProxy(value) && Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) {
    if ('toJSON' in value) return value;
    if ((budget -= value.length) < 0) throw NOT_PLAIN;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = fastCopy(value[i], depth + 1);
    return out;
  }
  const kind = kindOf(value);
  if (kind === KEEP) return value;
  if (kind !== RECORD || Object.getPrototypeOf(value) !== Object.prototype) throw NOT_PLAIN; // Date, class instances, ...
  const keys = Object.keys(value);
  if ((budget -= keys.length) < 0) throw NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (key === '__proto__') throw NOT_PLAIN; // an own "__proto__" (from JSON.parse) must stay a plain key
    out[key] = fastCopy((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

/** The copy of anything else: cycles and shared objects kept as such, dates copied, class instances made plain. */
function fullCopy(value: unknown, copies: Map<object, unknown>, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  const kind = kindOf(value);
  if (kind === KEEP || depth > FULL_DEPTH) return value;
  if (kind === DATE) {
    const date = new Date((value as Date).getTime());
    copies.set(value, date);
    return date;
  }
  if (kind === ARRAY) {
    const items = value as readonly unknown[];
    if ((budget -= items.length) < 0) return value;
    const out = new Array<unknown>(items.length);
    copies.set(value, out);
    for (let i = 0; i < items.length; i++) out[i] = fullCopy(items[i], copies, depth + 1);
    return out;
  }
  const keys = Object.keys(value);
  if ((budget -= keys.length) < 0) return value;
  const out: Record<string, unknown> = Object.getPrototypeOf(value) === null ? Object.create(null) : {};
  copies.set(value, out);
  for (const key of keys) {
    const child = fullCopy((value as Record<string, unknown>)[key], copies, depth + 1);
    if (key === '__proto__') Object.defineProperty(out, key, { value: child, enumerable: true, writable: true, configurable: true });
    else out[key] = child;
  }
  return out;
}

/**
 * A deep copy of a call's arguments as JSON will read them, so changes the handler makes afterwards
 * do not reach the call. Plain data (what almost every call carries: objects, arrays, primitives) is
 * copied by a direct walk; dates, class instances (made plain, as JSON sends them), cycles and
 * shared objects by a fuller one. What JSON reads through a caller's code (a `toJSON()`, a Proxy) is
 * handed over as it is, as are values validation refuses anyway (functions, maps …).
 *
 * Never throws. When the arguments cannot be read (a getter or a trap throws), they are handed back
 * as they are, in a new array: the client's validation then refuses them, naming the field, and they
 * never reach the SDK.
 */
export function snapshotArgs(args: readonly unknown[]): unknown[] {
  try {
    budget = FAST_VALUES;
    return fastCopy(args, 0) as unknown[];
  } catch {
    // NOT_PLAIN, or a caller's getter that threw: copy it the long way.
  }
  try {
    budget = FULL_VALUES;
    return fullCopy(args, new Map(), 0) as unknown[];
  } catch {
    // A getter, a listing of properties or a prototype lookup threw: hand over the arguments as they are.
  }
  try {
    return Array.prototype.slice.call(args) as unknown[];
  } catch {
    return [];
  }
}
