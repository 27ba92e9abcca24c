/**
 * `customerio-resilience/sqlite`: a durable fallback queue in a local SQLite file, on
 * better-sqlite3 (an optional peer dependency, loaded only by this entry point).
 * @packageDocumentation
 */
import type { QueueStore } from '../queue/store.js';
import { normalizeSqliteOptions, type SqliteQueueOptions } from './sqlite/options.js';
import { SqliteQueue } from './sqlite/sqliteQueue.js';

export { SQLITE_QUEUE_DEFAULTS } from './sqlite/options.js';
export type { SqliteQueueOptions } from './sqlite/options.js';
export type { QueueStore, QueueEntry, DeadLetter, QueueStats, PushOutcome } from '../queue/store.js';

/**
 * A durable fallback queue in a SQLite file, so queued operations outlive a restart or a crash.
 *
 * - Durability: every call commits before it resolves (WAL mode). With the default
 *   `synchronous: 'normal'`, a committed push survives the process being killed (SIGKILL, OOM);
 *   `'full'` also survives a power cut, at the cost of an fsync per write.
 * - Files: the database and its `-wal` file are owner-only (0600); the folder is created 0700.
 * - One process at a time: the file is opened with an exclusive lock, held until `close()` or
 *   the process ends. Opening it elsewhere waits `busyTimeoutMs`, then throws. Because no one
 *   else can hold the file, every lease found at open belonged to an earlier process that is
 *   gone: those entries are handed out again at once (crash recovery).
 * - Order: push order, except that an entry waits while an earlier entry of the same non-empty
 *   `personKey` is waiting, leased or delayed (at most one entry per person is out at a time).
 *   A retried entry keeps its place. Leases are stored, and expire after `leaseMs`.
 * - Dead letters are kept in their own table (`<tableName>_dead`).
 *
 * @throws TypeError or RangeError for invalid options; Error when the file is in use.
 */
export function sqliteQueue(options: SqliteQueueOptions): QueueStore {
  return new SqliteQueue(normalizeSqliteOptions(options));
}
