/**
 * One operation held for later delivery. Everything in it is plain JSON data, so any store can
 * persist it; replaying it calls the same operation with the same arguments (and the same event id).
 */
export interface QueueEntry {
  /** Unique id of this queued operation (a ULID, so ids sort by enqueue time). */
  id: string;
  /** The operation name: `'track'`, `'identify'`, … or a decorator's registered operation. */
  operation: string;
  /** The call's arguments as JSON data (events already carry their ULID `id`). */
  args: unknown[];
  /** The idempotency key of the original call. */
  idempotencyKey: string;
  /** The person the operation is about; operations with the same non-empty key replay in order. */
  personKey: string;
  /** When it was queued (ms since the epoch). */
  enqueuedAt: number;
  /** Replay attempts made so far. */
  attempts: number;
  /** The event's ULID, for event operations. */
  eventId?: string;
  /** Code and message of the last failure, credential-free. */
  lastError?: string;
}

/** An operation that will not be replayed by itself: a permanent or ambiguous failure. */
export interface DeadLetter extends QueueEntry {
  /** Why it was set aside: an error code such as `PERMANENT` or `AMBIGUOUS`, and a message. */
  reason: string;
  /** When it was set aside (ms since the epoch). */
  deadAt: number;
}

/** Figures a store reports for `health()`. */
export interface QueueStats {
  /** Entries waiting (including leased and delayed ones). */
  depth: number;
  /** Age of the oldest waiting entry in ms, 0 when empty. */
  oldestAgeMs: number;
  /** Entries refused because the store was full, since it was opened. */
  dropped: number;
  /** Dead letters held. */
  deadLetters: number;
}

/** What `push` did with an entry. */
export type PushOutcome = 'queued' | 'dropped';

/**
 * Where the fallback queue keeps operations while Customer.io is down. Every store passes the
 * same test suite (`test/queue/storeSuite.ts`).
 *
 * Ordering: `take` hands out an entry only when no earlier entry with the same non-empty
 * `personKey` is still waiting, delayed or leased, so one person's operations replay in order.
 * Leases: a taken entry is invisible to other `take` calls (in this process or, for shared
 * stores, any other) until it is acked, retried or dead-lettered, or until `leaseMs` passes
 * (so a crashed drainer's entries come back).
 */
export interface QueueStore {
  /** `'memory'`, `'sqlite'`, `'bullmq'`: shown in health output. */
  readonly name: string;
  /**
   * Whether what the store holds outlives `close()` (a file, a server). `false` for `memoryQueue`,
   * whose entries are gone once it is closed: the client then never reports an operation it could
   * not deliver before closing as `queued`. @default true
   */
  readonly durable?: boolean;
  /**
   * Adds an entry at the tail. Resolves only once the store has confirmed it: `'queued'`, or
   * `'dropped'` (and counts it) when the store is full.
   *
   * A rejection says whether the entry may be stored anyway, in a boolean `maybeQueued` on the
   * error:
   * - `false` (or no `maybeQueued` at all): the entry surely was not stored, and nothing will
   *   store it later, so the caller may report it as not delivered (or try again). For
   *   `memoryQueue` and `sqliteQueue` every rejection is a local failure that happens
   *   synchronously: an invalid entry, a closed store, a failed SQLite write (rolled back), so it
   *   is always this case (those stores set no `maybeQueued`). `bullmqQueue` sets `false` when
   *   the entry is invalid, the store is closed, Redis is unreachable (its push connection has no
   *   offline queue: a command it cannot send at once is refused, never sent after a reconnect),
   *   or `operationTimeoutMs` passed before the write was sent (it is then never sent).
   * - `true`: the write was sent but not confirmed (its reply timed out, or the connection dropped
   *   with the reply outstanding). The entry may or may not be stored, and if it is it will be
   *   delivered, so the caller must not report it as failed (an app would send it again): treat it
   *   as queued, with that uncertainty stated. Only stores on a remote server (`bullmqQueue`)
   *   reject this way.
   */
  push(entry: QueueEntry): Promise<PushOutcome>;
  /**
   * Leases up to `limit` ready entries, oldest first, honouring per-person order (see above).
   * `maxDelayMs`, when given, clamps a persisted retry delay as it is read: an entry not leased but
   * delayed beyond `now + maxDelayMs` (written under a larger cap, or by an older version) counts as
   * ready. Stores whose delays do not outlive the process may ignore it.
   */
  take(limit: number, leaseMs: number, maxDelayMs?: number): Promise<QueueEntry[]>;
  /** Removes delivered entries. Unknown ids are ignored. */
  ack(ids: readonly string[]): Promise<void>;
  /**
   * Returns leased entries for a later try: `attempts + 1`, ready again after `delayMs`, keeping their
   * place in order. With `{ counted: false }` the attempt is not counted: the entry was not tried (the
   * circuit was open, the replay ran out of time or was paused by a `Retry-After`). A store that
   * ignores the option counts it: the entry reaches `drain.maxAttempts` sooner, nothing is lost.
   */
  retry(ids: readonly string[], delayMs: number, lastError?: string, options?: QueueRetryOptions): Promise<void>;
  /** Moves leased or waiting entries to the dead letters with a reason. */
  deadLetter(ids: readonly string[], reason: string): Promise<void>;
  /** Records a dead letter for an operation that was never queued (a permanent or ambiguous failure). */
  addDeadLetter(entry: QueueEntry, reason: string): Promise<void>;
  /** Lists dead letters, oldest first. */
  listDeadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Moves dead letters (the given ids, or all) back to the queue tail with attempts reset; resolves how many moved. */
  redrive(ids?: readonly string[]): Promise<number>;
  /**
   * Deletes the given dead letters for good (a person decided they must not be sent); unknown ids are
   * ignored. Resolves how many were deleted. Every store of this package has it; a store written
   * before it existed may lack it, and `cio.discardDeadLetters()` then rejects.
   */
  discardDeadLetters?(ids: readonly string[]): Promise<number>;
  /** Current figures. */
  stats(): Promise<QueueStats>;
  /** Releases timers, files and connections; what is queued stays persisted in durable stores. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link QueueStore.retry}. */
export interface QueueRetryOptions {
  /** Whether the attempt counts towards giving up (`attempts + 1`). @default true */
  counted?: boolean;
}
