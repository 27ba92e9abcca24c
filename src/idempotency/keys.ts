import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so `{a, b}` and `{b, a}` give the same text.
 * Values JSON cannot hold are written as tagged strings so that keys can still be derived.
 */
export function stableStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'bigint') return `bigint:${v.toString()}`;
    if (typeof v === 'function' || typeof v === 'symbol') return `${typeof v}`;
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Date) return v.toJSON();
    if (seen.has(v)) return '[cycle]';
    seen.add(v);
    const out: unknown = Array.isArray(v)
      ? v.map(walk)
      : Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, walk((v as Record<string, unknown>)[k])]),
        );
    seen.delete(v);
    return out;
  };
  return JSON.stringify(walk(value)) ?? 'undefined';
}

/**
 * The idempotency key of a call that gave none: the operation and a hash of its arguments.
 * The hash keeps attribute values out of keys, logs and stores.
 */
export function deriveIdempotencyKey(operation: string, args: readonly unknown[]): string {
  const trimmed = [...args];
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === undefined) trimmed.pop();
  const digest = hash('sha256', stableStringify(trimmed), 'base64url').slice(0, 32);
  return `${operation}:${digest}`;
}
