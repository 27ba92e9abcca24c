/** 26 characters of Crockford base32 (no I, L, O, U); the first at most `7` so the value fits 128 bits. */
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;

/**
 * True when `value` is a ULID, the only event `id` Customer.io accepts. Letters are matched without
 * regard to case, as the ULID specification decodes them.
 */
export function isUlid(value: unknown): value is string {
  return typeof value === 'string' && ULID.test(value);
}
