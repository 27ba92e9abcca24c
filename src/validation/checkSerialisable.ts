import { types } from 'node:util';
import type { CioValidationError } from '../errors/CioError.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';

/** Nesting deeper than this is rejected rather than risk a stack overflow while serialising. */
const MAX_DEPTH = 256;

/**
 * Most values (array items and properties, at every depth) one argument may hold. JSON of more is at
 * least 2 MB (each value takes a byte and a separator), more than any request body Customer.io
 * documents taking; the bound also stops a walk of a sparse array of length 2^32-1, or of an array
 * that holds one object many times over at each level (2^40 values, few objects), which would hang
 * (and make JSON.stringify throw "Invalid string length").
 */
export const MAX_VALUES = 1_000_000;

/**
 * A field path, spelt out only when a problem is reported: the walk itself builds no strings (a
 * node per nested object or array, none for leaves).
 */
type Path = string | { readonly parent: Path; readonly key: string | number };

interface Problem {
  readonly path: Path;
  readonly reason: string;
}

function pathText(path: Path): string {
  return typeof path === 'string' ? path : childPath(pathText(path.parent), path.key);
}

/** The state of one walk, made on the first object met (a call of primitives makes none). */
interface Walk {
  /** The objects being walked, outermost first: a cycle is one of them reached again. */
  readonly ancestors: object[];
  /** Values still allowed (see {@link MAX_VALUES}). */
  budget: number;
}

/**
 * Checks that `value` is plain JSON data: that `JSON.stringify` sends it without error and without
 * silently losing data, and that reading it runs no caller code that could throw or answer
 * differently the next time (the client reads arguments again to derive keys, add event ids and
 * serialise them).
 *
 * Rejected, with the path of the offending field: cycles, `BigInt`, functions, symbols, `NaN` and
 * `±Infinity`, invalid `Date`s, `Map`/`Set` (which serialise as `{}`), typed arrays and `ArrayBuffer`s
 * (but a `Buffer`, which has a `toJSON()`, is accepted), boxed primitives
 * (`new Number(5)`, `Object(1n)` …), Proxies (and objects that inherit from one), a getter, a
 * `toJSON` or a listing of properties that throws, a `toJSON()` that returns `undefined` (JSON would
 * drop the value), nesting deeper than 256 levels and more than {@link MAX_VALUES} values.
 * Accepted: `undefined` properties and array items (JSON drops or nulls them, as callers expect),
 * valid `Date`s, class instances (their own enumerable properties are what JSON sends), objects whose
 * `toJSON()` returns something serialisable, getters that read without throwing, and the same object
 * reached twice without a cycle. Symbol-keyed and non-enumerable properties are ignored, as JSON does.
 *
 * Messages name the path and what is wrong; they never quote a value or the text of a thrown error.
 * Never throws.
 *
 * @param value The value to check.
 * @param field Its path in the call, such as `data` or `request.message`; nested paths are built from it.
 * @param operation Prefixed to the message when given, e.g. `track`.
 * @returns `null` when serialisable, else a {@link CioValidationError} whose `field` is the offending path.
 */
export function checkSerialisable(value: unknown, field: string, operation?: string): CioValidationError | null {
  let problem: Problem | null;
  try {
    problem = findProblem(value, field, undefined, 0);
  } catch {
    // Not reached: every read of caller data below is guarded. Kept so this can never throw.
    problem = { path: field, reason: 'could not be read' };
  }
  if (problem === null) return null;
  const path = pathText(problem.path);
  return invalid(operation ?? 'validate', path, `${path} ${problem.reason}`);
}

/** Why a value that is not an object cannot be sent as JSON, or null when it can. */
function leafReason(value: unknown): string | null {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? null : 'is not a finite number (JSON would send null)';
    case 'bigint':
      return 'is a BigInt, which JSON cannot serialise (convert it to a string or number)';
    case 'function':
      return 'is a function, which JSON cannot serialise';
    case 'symbol':
      return 'is a symbol, which JSON cannot serialise';
    default:
      return null;
  }
}

function findProblem(value: unknown, path: Path, walk: Walk | undefined, depth: number): Problem | null {
  if (typeof value === 'object' && value !== null) {
    return findObjectProblem(value, path, walk ?? { ancestors: [], budget: MAX_VALUES }, depth, false);
  }
  const reason = leafReason(value);
  return reason === null ? null : { path, reason };
}

/** Checks one property or item: leaves need no path unless they are the problem. */
function findItemProblem(child: unknown, parent: Path, key: string | number, walk: Walk, depth: number): Problem | null {
  if (typeof child === 'object' && child !== null) return findObjectProblem(child, { parent, key }, walk, depth, false);
  const reason = leafReason(child);
  return reason === null ? null : { path: { parent, key }, reason };
}

const BOXED = 'pass the primitive value instead';

/** Why an object that is neither a plain object nor an array cannot be sent as it is, or null. */
function specialReason(value: object, proto: object, replaced: boolean): string | null {
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (types.isProxy(p)) return 'inherits from a Proxy, which can throw or answer differently each time it is read (pass plain data)';
  }
  if (types.isDate(value)) {
    // JSON calls a Date's toJSON, but not that of a value a toJSON() returned: a Date there is sent as {}.
    if (replaced) return 'has a toJSON() that returned a Date, which JSON would send as {}';
    return Number.isNaN(value.getTime()) ? 'is an invalid Date (JSON would send null)' : null;
  }
  if (types.isMap(value) || types.isSet(value) || types.isWeakMap(value) || types.isWeakSet(value)) {
    const kind = types.isMap(value) ? 'Map' : types.isSet(value) ? 'Set' : types.isWeakMap(value) ? 'WeakMap' : 'WeakSet';
    return `is a ${kind}, which JSON serialises as {} (convert it first)`;
  }
  if ((types.isArrayBufferView(value) || types.isAnyArrayBuffer(value)) && !('toJSON' in value)) {
    // A Buffer has a toJSON(); other binary data is sent as {"0":…,"1":…} or {}.
    const kind = types.isAnyArrayBuffer(value) ? 'an ArrayBuffer' : types.isDataView(value) ? 'a DataView' : 'a typed array';
    return `is ${kind}, which JSON does not send as its bytes (convert it to an array or a string first)`;
  }
  if (types.isBoxedPrimitive(value)) {
    if (types.isNumberObject(value)) return `is a boxed Number (new Number(…)); ${BOXED}`;
    if (types.isStringObject(value)) return `is a boxed String (new String(…)); ${BOXED}`;
    if (types.isBooleanObject(value)) return `is a boxed Boolean (new Boolean(…)); ${BOXED}`;
    if (types.isBigIntObject(value)) return `is a boxed BigInt (Object(1n)), which JSON cannot serialise; ${BOXED}`;
    return 'is a boxed Symbol, which JSON cannot serialise';
  }
  return null;
}

/**
 * Checks an object the way JSON.stringify reads it: its `toJSON` (unless `replaced`, the result of
 * one: JSON calls a single toJSON per value), then its items or own enumerable properties.
 */
function findObjectProblem(value: object, path: Path, walk: Walk, depth: number, replaced: boolean): Problem | null {
  // Before any other read: every operation on a Proxy runs its traps (and throws once revoked).
  if (types.isProxy(value)) {
    return { path, reason: 'is a Proxy, which can throw or answer differently each time it is read (pass plain data)' };
  }
  if (walk.ancestors.includes(value)) return { path, reason: 'refers back to an object that contains it (a cycle)' };
  if (depth >= MAX_DEPTH) return { path, reason: `is nested more than ${MAX_DEPTH} levels deep` };
  const proto = Object.getPrototypeOf(value) as object | null; // not a Proxy: runs no caller code
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
    const reason = specialReason(value, proto, replaced);
    if (reason !== null) return { path, reason };
    if (types.isDate(value)) return null;
  }
  if (!replaced) {
    let toJSON: unknown;
    try {
      toJSON = (value as { toJSON?: unknown }).toJSON;
    } catch {
      return { path, reason: 'could not be serialised: reading its toJSON threw' };
    }
    if (typeof toJSON === 'function') return findReplacedProblem(value, toJSON, path, walk, depth);
  }
  walk.ancestors.push(value);
  try {
    return Array.isArray(value) ? findItemsProblem(value, path, walk, depth) : findPropertiesProblem(value, path, walk, depth);
  } finally {
    walk.ancestors.pop();
  }
}

/** Checks what `value.toJSON()` returns, which is what JSON sends in its place. */
function findReplacedProblem(value: object, toJSON: Function, path: Path, walk: Walk, depth: number): Problem | null {
  let replaced: unknown;
  try {
    replaced = toJSON.call(value, '');
  } catch {
    return { path, reason: 'could not be serialised: its toJSON() threw' };
  }
  if (replaced === undefined) return { path, reason: 'has a toJSON() that returned undefined, so JSON would drop it' };
  if (typeof replaced !== 'object' || replaced === null) {
    const reason = leafReason(replaced);
    return reason === null ? null : { path, reason: `has a toJSON() whose result ${reason}` };
  }
  if (replaced === value) return findObjectProblem(value, path, walk, depth, true);
  walk.ancestors.push(value);
  try {
    return findObjectProblem(replaced, path, walk, depth + 1, true);
  } finally {
    walk.ancestors.pop();
  }
}

function findItemsProblem(items: readonly unknown[], path: Path, walk: Walk, depth: number): Problem | null {
  const length = items.length;
  if (length > walk.budget) return { path, reason: `holds more than ${MAX_VALUES} values, more than any request Customer.io takes` };
  walk.budget -= length;
  for (let index = 0; index < length; index++) {
    let item: unknown;
    try {
      item = items[index];
    } catch {
      return { path: { parent: path, key: index }, reason: 'could not be read: its getter threw' };
    }
    const problem = findItemProblem(item, path, index, walk, depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}

function findPropertiesProblem(value: object, path: Path, walk: Walk, depth: number): Problem | null {
  let keys: string[];
  try {
    keys = Object.keys(value); // not a Proxy, yet a module namespace, say, can still throw
  } catch {
    return { path, reason: 'could not be read: listing its properties threw' };
  }
  if (keys.length > walk.budget) return { path, reason: `holds more than ${MAX_VALUES} values, more than any request Customer.io takes` };
  walk.budget -= keys.length;
  for (const key of keys) {
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch {
      return { path: { parent: path, key }, reason: 'could not be read: its getter threw' };
    }
    const problem = findItemProblem(child, path, key, walk, depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}
