import type { DeadLetter, QueueEntry } from '../../queue/store.js';
import type { DeadRow, EntryRow, InsertParams } from './statements.js';

/** The JSON kept in the `entry` column: the entry without the fields that change on retry. */
export function encodeEntry(entry: QueueEntry): string {
  const { attempts: _attempts, lastError: _lastError, ...rest } = entry;
  return JSON.stringify(rest);
}

/** The entry a row holds. */
export function decodeEntry(row: EntryRow): QueueEntry {
  const entry = JSON.parse(row.entry) as QueueEntry;
  entry.attempts = row.attempts;
  if (row.last_error !== null) entry.lastError = row.last_error;
  return entry;
}

/** The dead letter a row holds (its `entry` column is the whole entry as JSON). */
export function decodeDead(row: DeadRow): DeadLetter {
  return { ...(JSON.parse(row.entry) as QueueEntry), reason: row.reason, deadAt: row.dead_at };
}

/** What the insert statement binds for `entry`. */
export function insertParams(entry: QueueEntry): InsertParams {
  return {
    id: entry.id,
    person: entry.personKey,
    enqueuedAt: entry.enqueuedAt,
    attempts: entry.attempts,
    lastError: entry.lastError ?? null,
    entry: encodeEntry(entry),
  };
}
