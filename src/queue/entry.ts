import { show } from './check.js';
import type { DeadLetter, QueueEntry } from './store.js';

function field(where: string, name: string, ok: boolean, value: unknown, expected: string): void {
  if (!ok) throw new TypeError(`${where}: entry.${name} must be ${expected}, got ${show(value)}`);
}

/**
 * Checks an entry's shape and returns a copy holding exactly its defined fields, so every store
 * keeps and hands back the same thing (optional fields are absent, never `undefined`).
 * @throws TypeError naming the first bad field.
 */
export function copyEntry(where: string, entry: QueueEntry): QueueEntry {
  if (typeof entry !== 'object' || entry === null) throw new TypeError(`${where}: entry must be an object, got ${show(entry)}`);
  const { id, operation, args, idempotencyKey, personKey, enqueuedAt, attempts, eventId, lastError } = entry;
  field(where, 'id', typeof id === 'string' && id !== '', id, 'a non-empty string');
  field(where, 'operation', typeof operation === 'string' && operation !== '', operation, 'a non-empty string');
  field(where, 'args', Array.isArray(args), args, 'an array');
  field(where, 'idempotencyKey', typeof idempotencyKey === 'string', idempotencyKey, 'a string');
  field(where, 'personKey', typeof personKey === 'string', personKey, 'a string');
  field(where, 'enqueuedAt', Number.isFinite(enqueuedAt), enqueuedAt, 'a finite number');
  field(where, 'attempts', Number.isInteger(attempts) && attempts >= 0, attempts, 'a whole number >= 0');
  field(where, 'eventId', eventId === undefined || typeof eventId === 'string', eventId, 'a string or absent');
  field(where, 'lastError', lastError === undefined || typeof lastError === 'string', lastError, 'a string or absent');
  const copy: QueueEntry = { id, operation, args, idempotencyKey, personKey, enqueuedAt, attempts };
  if (eventId !== undefined) copy.eventId = eventId;
  if (lastError !== undefined) copy.lastError = lastError;
  return copy;
}

/** The dead letter for `entry`. */
export function toDeadLetter(entry: QueueEntry, reason: string, deadAt: number): DeadLetter {
  return { ...entry, reason, deadAt };
}

/** The queue entry a dead letter becomes when it is redriven: same fields, attempts reset to 0. */
export function fromDeadLetter(dead: DeadLetter): QueueEntry {
  const { reason: _reason, deadAt: _deadAt, ...entry } = dead;
  return { ...entry, attempts: 0 };
}

/** Checks the arguments of `take`. */
export function checkTake(where: string, limit: number, leaseMs: number): void {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`${where}.take: limit must be a whole number >= 0, got ${show(limit)}`);
  }
  if (typeof leaseMs !== 'number' || !Number.isFinite(leaseMs) || leaseMs < 1) {
    throw new RangeError(`${where}.take: leaseMs must be a finite number >= 1, got ${show(leaseMs)}`);
  }
}

/** Checks the limit given to `listDeadLetters`; `undefined` means no limit. */
export function checkListLimit(where: string, limit: number | undefined): number {
  if (limit === undefined) return Number.MAX_SAFE_INTEGER;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`${where}.listDeadLetters: limit must be a whole number >= 0, got ${show(limit)}`);
  }
  return limit;
}

/** Checks the ids given to `discardDeadLetters`: an array of strings. */
export function checkIds(where: string, ids: readonly string[]): void {
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
    throw new TypeError(`${where}.discardDeadLetters: ids must be an array of strings, got ${show(ids)}`);
  }
}

/** Checks the delay given to `retry`. */
export function checkDelay(where: string, delayMs: number): void {
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(`${where}.retry: delayMs must be a finite number >= 0, got ${show(delayMs)}`);
  }
}

/** The error every store method rejects with once the store is closed. */
export function closedError(where: string): Error {
  return new Error(`${where}: the queue store is closed`);
}
