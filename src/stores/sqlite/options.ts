import { clock, nonEmptyString, optionsObject, show, wholeNumber } from '../../queue/check.js';

/** Options of `sqliteQueue`. */
export interface SqliteQueueOptions {
  /**
   * The database file. It is created (with its folder) when missing, readable and writable by
   * its owner only (mode 0600), and opened in WAL mode.
   */
  path: string;
  /** Most entries held (waiting, delayed and leased); a push beyond it resolves `'dropped'`. @default 100000 */
  maxSize?: number;
  /** Most dead letters held; the oldest are deleted (and counted as dropped) beyond it. @default 100000 */
  maxDeadLetters?: number;
  /** Name of the entries table; dead letters go to `<tableName>_dead`. Letters, digits and `_`. @default 'cio_queue' */
  tableName?: string;
  /**
   * SQLite's `synchronous` setting. `'normal'`: a committed push survives a crash or kill of the
   * process (the OS holds it), and may be lost only if the machine loses power before the OS
   * writes it out. `'full'`: also survives power loss, at the cost of an fsync per write (much slower).
   * @default 'normal'
   */
  synchronous?: 'normal' | 'full';
  /** How long to wait for a file locked by another process (for example one still shutting down). @default 5000 */
  busyTimeoutMs?: number;
  /** The clock, in ms since the epoch (for tests). @default Date.now */
  now?: () => number;
}

/** Defaults of {@link SqliteQueueOptions}. */
export const SQLITE_QUEUE_DEFAULTS = Object.freeze({
  maxSize: 100_000,
  maxDeadLetters: 100_000,
  tableName: 'cio_queue',
  synchronous: 'normal' as const,
  busyTimeoutMs: 5_000,
});

/** {@link SqliteQueueOptions} with every default applied. */
export type NormalizedSqliteOptions = Required<SqliteQueueOptions>;

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,58}$/;
const WHERE = 'sqliteQueue';

/** Validates `options` eagerly and applies the defaults; never changes the caller's object. */
export function normalizeSqliteOptions(options: SqliteQueueOptions): NormalizedSqliteOptions {
  if (options === undefined) throw new TypeError(`${WHERE} options must be an object with a path, got undefined`);
  const o = optionsObject(WHERE, options);
  const tableName = nonEmptyString(`${WHERE}: tableName`, o.tableName, SQLITE_QUEUE_DEFAULTS.tableName);
  if (!TABLE_NAME.test(tableName)) {
    throw new RangeError(`${WHERE}: tableName must be letters, digits and _ (not starting with a digit, at most 59), got ${show(tableName)}`);
  }
  const synchronous = o.synchronous ?? SQLITE_QUEUE_DEFAULTS.synchronous;
  if (synchronous !== 'normal' && synchronous !== 'full') {
    throw new RangeError(`${WHERE}: synchronous must be 'normal' or 'full', got ${show(synchronous)}`);
  }
  return {
    path: nonEmptyString(`${WHERE}: path`, o.path),
    maxSize: wholeNumber(`${WHERE}: maxSize`, o.maxSize, SQLITE_QUEUE_DEFAULTS.maxSize, 1),
    maxDeadLetters: wholeNumber(`${WHERE}: maxDeadLetters`, o.maxDeadLetters, SQLITE_QUEUE_DEFAULTS.maxDeadLetters, 0),
    tableName,
    synchronous,
    busyTimeoutMs: wholeNumber(`${WHERE}: busyTimeoutMs`, o.busyTimeoutMs, SQLITE_QUEUE_DEFAULTS.busyTimeoutMs, 0),
    now: clock(`${WHERE}: now`, o.now),
  };
}
