import { boundedKey } from '../idempotency/keys.js';

/**
 * The idempotency scope a request gives through its header: the trimmed value, `undefined` when
 * absent or blank, and a hash of it when it is longer than 200 characters (keys stay small).
 */
export function idempotencyScopeOf(header: string | readonly string[] | undefined): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  return value === '' ? undefined : boundedKey(value);
}

/** The key a call made under `scope` is guarded by: the scope, then the call's own or derived key. */
export function scopedIdempotencyKey(scope: string, key: string): string {
  return `${scope}:${key}`;
}
