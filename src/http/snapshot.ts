/** Thrown inside {@link copy} when a value needs `structuredClone`. */
const NOT_PLAIN = Symbol('not plain data');

/** Deeper than this, the copy is left to `structuredClone` (it also handles cycles). */
const MAX_DEPTH = 32;

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') throw NOT_PLAIN;
    return value;
  }
  if (depth > MAX_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i], depth + 1);
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN; // Date, Map, class instances, ...
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__') throw NOT_PLAIN; // an own "__proto__" (from JSON.parse) must stay a plain key
    out[key] = copy((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

/**
 * A deep copy of a call's arguments, as `structuredClone` would make it. Plain data (what almost
 * every call carries: objects, arrays, primitives) is copied by a direct walk, several times
 * cheaper than `structuredClone`; anything else (dates, maps, cycles, very deep data) goes to
 * `structuredClone`, which throws for what it cannot copy (functions, symbols).
 */
export function snapshotArgs(args: readonly unknown[]): unknown[] {
  try {
    return copy(args, 0) as unknown[];
  } catch (err) {
    if (err !== NOT_PLAIN) throw err;
    return structuredClone(args) as unknown[];
  }
}
