import Database from 'better-sqlite3';
import { checkDelay, checkIds, checkListLimit, checkTake, closedError, copyEntry, fromDeadLetter } from '../../queue/entry.js';
import type { DeadLetter, PushOutcome, QueueEntry, QueueStats, QueueStore, QueueRetryOptions } from '../../queue/store.js';
import { decodeDead, decodeEntry, insertParams } from './codec.js';
import { prepareDatabaseFile, secureSideFiles } from './file.js';
import type { NormalizedSqliteOptions } from './options.js';
import { createSchema, prepareStatements, type Statements } from './statements.js';

const WHERE = 'sqliteQueue';

/** Opens the database file with the settings the store relies on (see `sqliteQueue`). */
function open(o: NormalizedSqliteOptions): Database.Database {
  prepareDatabaseFile(o.path);
  const db = new Database(o.path, { timeout: o.busyTimeoutMs });
  try {
    // One process at a time: set before WAL is first used, so no shared-memory file is made and
    // the file stays locked by this connection until it closes (or its process dies).
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${o.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    createSchema(db, o.tableName);
  } catch (err) {
    db.close();
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw new Error(`${WHERE}: ${o.path} is in use by another process or connection (a queue file has one user at a time)`, { cause: err });
    }
    throw err;
  }
  secureSideFiles(o.path);
  return db;
}

/** The durable queue store on better-sqlite3; see `sqliteQueue` for its guarantees. */
export class SqliteQueue implements QueueStore {
  readonly name = 'sqlite';
  readonly #o: NormalizedSqliteOptions;
  readonly #db: Database.Database;
  readonly #q: Statements;
  #depth: number;
  #deadCount: number;
  #dropped = 0;
  #closed = false;

  constructor(options: NormalizedSqliteOptions) {
    this.#o = options;
    this.#db = open(options);
    this.#q = prepareStatements(this.#db, options.tableName);
    this.#q.resetLeases.run();
    this.#depth = this.#q.count.get() ?? 0;
    this.#deadCount = this.#q.countDead.get() ?? 0;
  }

  async push(entry: QueueEntry): Promise<PushOutcome> {
    this.#open();
    const e = copyEntry(`${WHERE}.push`, entry);
    if (this.#depth >= this.#o.maxSize) {
      if (this.#q.exists.get(e.id) !== undefined) return 'queued';
      this.#dropped++;
      return 'dropped';
    }
    const info = this.#q.insert.run(insertParams(e));
    this.#depth += info.changes;
    return 'queued';
  }

  async take(limit: number, leaseMs: number, maxDelayMs = Number.MAX_SAFE_INTEGER): Promise<QueueEntry[]> {
    checkTake(WHERE, limit, leaseMs);
    this.#open();
    if (limit === 0) return [];
    const now = this.#o.now();
    const latest = Math.min(Number.MAX_SAFE_INTEGER, now + Math.max(0, maxDelayMs));
    const rows = this.#q.take.all({ now, latest, until: now + leaseMs, limit });
    return rows.sort((a, b) => a.seq - b.seq).map(decodeEntry);
  }

  async ack(ids: readonly string[]): Promise<void> {
    this.#open();
    this.#transaction(() => {
      for (const id of ids) this.#depth -= this.#q.remove.run(id).changes;
    });
  }

  async retry(ids: readonly string[], delayMs: number, lastError?: string, options?: QueueRetryOptions): Promise<void> {
    checkDelay(WHERE, delayMs);
    this.#open();
    const at = this.#o.now() + delayMs;
    this.#transaction(() => {
      const counted = options?.counted === false ? 0 : 1;
      for (const id of ids) this.#q.retry.run({ id, at, error: lastError ?? null, counted });
    });
  }

  async deadLetter(ids: readonly string[], reason: string): Promise<void> {
    this.#open();
    const deadAt = this.#o.now();
    this.#transaction(() => {
      for (const id of ids) {
        const row = this.#q.get.get(id);
        if (!row) continue;
        this.#addDead(decodeEntry(row), reason, deadAt);
        this.#depth -= this.#q.remove.run(id).changes;
      }
      this.#trimDead();
    });
  }

  async addDeadLetter(entry: QueueEntry, reason: string): Promise<void> {
    this.#open();
    const e = copyEntry(`${WHERE}.addDeadLetter`, entry);
    this.#transaction(() => {
      this.#addDead(e, reason, this.#o.now());
      this.#trimDead();
    });
  }

  async listDeadLetters(limit?: number): Promise<DeadLetter[]> {
    const max = checkListLimit(WHERE, limit);
    this.#open();
    if (max === 0) return [];
    return this.#q.listDead.all(max).map(decodeDead);
  }

  async redrive(ids?: readonly string[]): Promise<number> {
    this.#open();
    let moved = 0;
    this.#transaction(() => {
      for (const id of ids ?? this.#q.deadIds.all()) {
        const row = this.#q.getDead.get(id);
        if (!row || this.#q.exists.get(id) !== undefined) continue;
        if (this.#depth >= this.#o.maxSize) break;
        const e = fromDeadLetter(decodeDead(row));
        this.#q.insert.run(insertParams(e));
        this.#deadCount -= this.#q.removeDead.run(id).changes;
        this.#depth++;
        moved++;
      }
    });
    return moved;
  }

  async discardDeadLetters(ids: readonly string[]): Promise<number> {
    checkIds(WHERE, ids);
    this.#open();
    let discarded = 0;
    this.#transaction(() => {
      for (const id of ids) {
        const removed = this.#q.removeDead.run(id).changes;
        this.#deadCount -= removed;
        discarded += removed;
      }
    });
    return discarded;
  }

  async stats(): Promise<QueueStats> {
    this.#open();
    const oldest = this.#q.oldest.get() ?? null;
    return {
      depth: this.#depth,
      oldestAgeMs: oldest === null ? 0 : Math.max(0, this.#o.now() - oldest),
      dropped: this.#dropped,
      deadLetters: this.#deadCount,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw closedError(WHERE);
  }

  /** Runs `fn` in one transaction; the counters are restored if it fails. */
  #transaction(fn: () => void): void {
    const depth = this.#depth;
    const dead = this.#deadCount;
    try {
      this.#db.transaction(fn).immediate();
    } catch (err) {
      this.#depth = depth;
      this.#deadCount = dead;
      throw err;
    }
  }

  #addDead(entry: QueueEntry, reason: string, deadAt: number): void {
    this.#deadCount -= this.#q.removeDead.run(entry.id).changes;
    this.#q.addDead.run(entry.id, deadAt, reason, JSON.stringify(entry));
    this.#deadCount++;
  }

  #trimDead(): void {
    const excess = this.#deadCount - this.#o.maxDeadLetters;
    if (excess <= 0) return;
    const removed = this.#q.trimDead.run(excess).changes;
    this.#deadCount -= removed;
    this.#dropped += removed;
  }
}
