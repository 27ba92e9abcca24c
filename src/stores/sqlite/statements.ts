import type BetterSqlite3 from 'better-sqlite3';

type Database = BetterSqlite3.Database;
type Stmt<P extends unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;

/** A row of the entries table as the statements read it. */
export interface EntryRow {
  seq: number;
  attempts: number;
  last_error: string | null;
  entry: string;
}

/** A row of the dead-letter table as the statements read it. */
export interface DeadRow {
  id: string;
  dead_at: number;
  reason: string;
  entry: string;
}

/** What the insert statement binds. */
export interface InsertParams {
  id: string;
  person: string;
  enqueuedAt: number;
  attempts: number;
  lastError: string | null;
  entry: string;
}

/** Creates the tables (if missing): entries, and dead letters in `<table>_dead`. */
export function createSchema(db: Database, table: string): void {
  const t = `"${table}"`;
  const d = `"${table}_dead"`;
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t} (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      person TEXT NOT NULL,
      enqueued_at INTEGER NOT NULL,
      available_at INTEGER NOT NULL,
      leased INTEGER NOT NULL DEFAULT 0,
      head INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      last_error TEXT,
      entry TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS "${table}_person" ON ${t} (person, seq);
    CREATE INDEX IF NOT EXISTS "${table}_enqueued" ON ${t} (enqueued_at);
    CREATE INDEX IF NOT EXISTS "${table}_heads" ON ${t} (seq) WHERE head = 1;
    CREATE TRIGGER IF NOT EXISTS "${table}_next_head" AFTER DELETE ON ${t}
    WHEN old.head = 1 AND old.person <> '' BEGIN
      UPDATE ${t} SET head = 1 WHERE seq = (SELECT MIN(seq) FROM ${t} WHERE person = old.person);
    END;
    CREATE TABLE IF NOT EXISTS ${d} (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      dead_at INTEGER NOT NULL,
      reason TEXT NOT NULL,
      entry TEXT NOT NULL
    );
  `);
}

/** The prepared statements of one open database. */
export interface Statements {
  resetLeases: Stmt<[]>;
  count: Stmt<[], number>;
  countDead: Stmt<[], number>;
  oldest: Stmt<[], number | null>;
  exists: Stmt<[string], 1>;
  insert: Stmt<[InsertParams]>;
  take: Stmt<[{ now: number; latest: number; until: number; limit: number }], EntryRow>;
  get: Stmt<[string], EntryRow>;
  remove: Stmt<[string]>;
  retry: Stmt<[{ id: string; at: number; error: string | null; counted: 0 | 1 }]>;
  addDead: Stmt<[string, number, string, string]>;
  removeDead: Stmt<[string]>;
  getDead: Stmt<[string], DeadRow>;
  listDead: Stmt<[number], DeadRow>;
  deadIds: Stmt<[], string>;
  trimDead: Stmt<[number]>;
}

/** Prepares every statement the store runs, once. */
export function prepareStatements(db: Database, table: string): Statements {
  const t = `"${table}"`;
  const d = `"${table}_dead"`;
  return {
    // Every lease found at open belongs to an earlier process (the file has one user at a time).
    resetLeases: db.prepare<[]>(`UPDATE ${t} SET leased = 0, available_at = 0 WHERE leased = 1`),
    count: db.prepare<[], number>(`SELECT COUNT(*) FROM ${t}`).pluck(),
    countDead: db.prepare<[], number>(`SELECT COUNT(*) FROM ${d}`).pluck(),
    oldest: db.prepare<[], number | null>(`SELECT MIN(enqueued_at) FROM ${t}`).pluck(),
    exists: db.prepare<[string], 1>(`SELECT 1 FROM ${t} WHERE id = ?`).pluck(),
    // A new entry is its person's head when nothing of theirs is queued; the delete trigger
    // makes the next entry the head when the head goes.
    insert: db.prepare<[InsertParams]>(
      `INSERT INTO ${t} (id, person, enqueued_at, available_at, attempts, last_error, entry, head)
       VALUES (@id, @person, @enqueuedAt, 0, @attempts, @lastError, @entry,
               @person = '' OR NOT EXISTS (SELECT 1 FROM ${t} WHERE person = @person))
       ON CONFLICT(id) DO NOTHING`,
    ),
    // Only heads are looked at, in push order, so a blocked backlog behind a head costs nothing.
    // A retry delay beyond @latest (the reader's cap) is clamped as it is read: ready now.
    take: db.prepare<[{ now: number; latest: number; until: number; limit: number }], EntryRow>(
      `UPDATE ${t} SET leased = 1, available_at = @until
       WHERE seq IN (SELECT seq FROM ${t} WHERE head = 1 AND (available_at <= @now OR (leased = 0 AND available_at > @latest))
                     ORDER BY seq LIMIT @limit)
       RETURNING seq, attempts, last_error, entry`,
    ),
    get: db.prepare<[string], EntryRow>(`SELECT seq, attempts, last_error, entry FROM ${t} WHERE id = ?`),
    remove: db.prepare<[string]>(`DELETE FROM ${t} WHERE id = ?`),
    retry: db.prepare<[{ id: string; at: number; error: string | null; counted: 0 | 1 }]>(
      `UPDATE ${t} SET attempts = attempts + @counted, last_error = coalesce(@error, last_error), available_at = @at, leased = 0
       WHERE id = @id`,
    ),
    addDead: db.prepare<[string, number, string, string]>(`INSERT INTO ${d} (id, dead_at, reason, entry) VALUES (?, ?, ?, ?)`),
    removeDead: db.prepare<[string]>(`DELETE FROM ${d} WHERE id = ?`),
    getDead: db.prepare<[string], DeadRow>(`SELECT id, dead_at, reason, entry FROM ${d} WHERE id = ?`),
    listDead: db.prepare<[number], DeadRow>(`SELECT id, dead_at, reason, entry FROM ${d} ORDER BY seq LIMIT ?`),
    deadIds: db.prepare<[], string>(`SELECT id FROM ${d} ORDER BY seq`).pluck(),
    trimDead: db.prepare<[number]>(`DELETE FROM ${d} WHERE seq IN (SELECT seq FROM ${d} ORDER BY seq LIMIT ?)`),
  };
}
