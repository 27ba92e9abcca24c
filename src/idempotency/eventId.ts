import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

/** A new ULID for an event: sortable by time, unique, and what Customer.io de-duplicates events by. */
export function newEventId(now: number = Date.now()): string {
  return next(now);
}

const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** True when `value` is a ULID (26 characters of Crockford base32). */
export function isUlid(value: unknown): value is string {
  return typeof value === 'string' && ULID_RE.test(value);
}
