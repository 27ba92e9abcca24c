const MAX_DEPTH = 100;

/** The arguments without trailing `undefined`s (optional parameters left out). */
export function trimArgs(args: readonly unknown[]): unknown[] {
  const out = [...args];
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out;
}

/**
 * Where `args` stop being plain JSON data that survives a round trip unchanged, as a short
 * description such as `args[0].createdAt (a Date)`; `undefined` when they are plain JSON data.
 * Plain data is: null, strings, booleans, finite numbers, arrays (without holes or `undefined`)
 * and plain objects (an `undefined` property is allowed: JSON leaves it out). No cycles.
 */
export function findNonJson(args: readonly unknown[]): string | undefined {
  const stack = new Set<object>();
  const walk = (v: unknown, path: string, depth: number): string | undefined => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${path} (${String(v)})`;
    if (typeof v !== 'object') return `${path} (${v === undefined ? 'undefined' : `a ${typeof v}`})`;
    if (depth > MAX_DEPTH) return `${path} (nested deeper than ${MAX_DEPTH})`;
    if (stack.has(v)) return `${path} (a cycle)`;
    stack.add(v);
    try {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) return `${path}[${i}] (a hole)`;
          const bad = walk(v[i], `${path}[${i}]`, depth + 1);
          if (bad) return bad;
        }
        return undefined;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
        return `${path} (${typeof name === 'string' && name ? `a ${name}` : 'not a plain object'})`;
      }
      for (const key of Object.keys(v)) {
        const item = (v as Record<string, unknown>)[key];
        if (item === undefined) continue;
        const bad = walk(item, `${path}.${key}`, depth + 1);
        if (bad) return bad;
      }
      return undefined;
    } finally {
      stack.delete(v);
    }
  };
  try {
    for (let i = 0; i < args.length; i++) {
      const bad = walk(args[i], `args[${i}]`, 0);
      if (bad) return bad;
    }
    return undefined;
  } catch {
    return 'args (a getter threw)';
  }
}
