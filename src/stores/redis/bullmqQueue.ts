import { randomUUID } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { show } from '../../queue/check.js';
import { checkDelay, checkIds, checkListLimit, checkTake, closedError, copyEntry, fromDeadLetter, toDeadLetter } from '../../queue/entry.js';
import type { DeadLetter, PushOutcome, QueueEntry, QueueStats, QueueStore, QueueRetryOptions } from '../../queue/store.js';
import {
  closeOwned,
  failFastConnection,
  reconnectDelay,
  resolveConnection,
  wasNotSent,
  whenReady,
  type ReadyAware,
  type ResolvedConnection,
} from './connection.js';
import { Deadline, settledWithin } from './deadline.js';
import { RedisDeadLetters } from './deadLetters.js';
import { QueueKeys } from './keys.js';
import type { NormalizedBullmqOptions } from './options.js';
import { isLostLease, PersonOrder } from './personOrder.js';
import { notQueued, pushFailure } from './pushError.js';
import { runScript } from './runScript.js';
import { FIND_ORPHANS } from './scripts.js';

const WHERE = 'bullmqQueue';
/** The lock a job gets when fetched, until `take` sets it to the lease (covers a crash in between). */
const FETCH_LOCK_MS = 30_000;
/** How long a lease found without its lock is held by this store while it gives the entry back. */
const CLAIM_MS = 10_000;
/** Job states that count towards the depth. */
const WAITING_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

type EntryJob = Job<QueueEntry, null, string>;
/** A job this store leased, with the lock token of the take that leased it. */
interface Held {
  job: EntryJob;
  token: string;
}
/** One `push` call: whether the deadline gave up on it, and how far it got. */
interface PushAttempt {
  abandoned: boolean;
  /** The write of the entry was sent (or may have been): from then on it may be stored. */
  sent: boolean;
  /** Redis confirmed the entry is stored. */
  stored: boolean;
}

const ignore = (): void => undefined;

/** BullMQ refuses job ids that contain `:` or read as a whole number. */
function checkJobId(id: string): void {
  if (id.includes(':') || `${Number.parseInt(id, 10)}` === id) {
    throw new TypeError(`${WHERE}.push: entry.id must not contain ':' nor be a whole number (it is the BullMQ job id), got ${show(id)}`);
  }
}

/** The queue store on BullMQ; see `bullmqQueue` for its guarantees. */
export class BullmqQueue implements QueueStore {
  readonly name = 'bullmq';
  readonly #o: NormalizedBullmqOptions;
  readonly #conn: ResolvedConnection;
  readonly #order: PersonOrder;
  readonly #queue: Queue<QueueEntry, null, string>;
  /** A fail-fast connection (see `failFastConnection`) and a queue on it, for `push` alone. */
  readonly #pushClient: Redis;
  readonly #pushQueue: Queue<QueueEntry, null, string>;
  readonly #worker: Worker<QueueEntry, null, string>;
  readonly #dead: RedisDeadLetters;
  /** Prefix of the lock tokens of this store; each take leases under its own `<prefix>:<n>`. */
  readonly #token = `cio-${randomUUID()}`;
  #tokens = 0;
  /** Tokens of takes still running: their jobs are not orphans yet. */
  readonly #liveTokens = new Set<string>();
  /** Jobs this store leased and has not settled yet, by id. */
  readonly #leased = new Map<string, Held>();
  /** Ids being acked, retried or dead-lettered right now. */
  readonly #settling = new Set<string>();
  /** Set when leases may have been lost track of (a failed take, a dropped connection). */
  #orphansPossible = false;
  #reclaiming: Promise<void> | undefined;
  readonly #keys: QueueKeys;
  readonly #timer: NodeJS.Timeout;
  readonly #deadline: Deadline;
  #dropped = 0;
  #closing: Promise<void> | undefined;

  constructor(options: NormalizedBullmqOptions) {
    this.#o = options;
    this.#conn = resolveConnection(WHERE, options.connection);
    this.#queue = new Queue<QueueEntry, null, string>(options.name, { connection: this.#conn.client, prefix: options.prefix });
    this.#pushClient = failFastConnection(this.#conn);
    this.#pushQueue = new Queue<QueueEntry, null, string>(options.name, { connection: this.#pushClient, prefix: options.prefix });
    // Jobs are fetched by hand (no processor, no main loop); its connections are its own. They
    // reconnect as the caller's options say, else within 2 s (BullMQ's own default waits up to
    // 20 s between attempts, which would keep a restarted Redis unused that long).
    this.#worker = new Worker<QueueEntry, null, string>(options.name, null, {
      connection: {
        ...this.#conn.options,
        maxRetriesPerRequest: null,
        retryStrategy: this.#conn.options.retryStrategy ?? reconnectDelay,
      } as ConnectionOptions,
      prefix: options.prefix,
      autorun: false,
      lockDuration: FETCH_LOCK_MS,
      skipLockRenewal: true,
      skipStalledCheck: true,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    // Failures reach callers as rejected promises; these events would otherwise be unhandled.
    this.#queue.on('error', ignore);
    this.#pushQueue.on('error', ignore);
    this.#worker.on('error', ignore);
    // A take in flight when the connection dropped may have leased jobs whose reply never came.
    this.#worker.on('ioredis:close', () => {
      this.#orphansPossible = true;
    });
    this.#deadline = new Deadline(WHERE, options.operationTimeoutMs);
    const keys = new QueueKeys(options.prefix, options.name);
    this.#keys = keys;
    this.#order = new PersonOrder(this.#conn.client, keys, this.#worker.getBackend());
    this.#dead = new RedisDeadLetters(this.#conn.client, keys, options.maxDeadLetters);
    // BullMQ's own stalled-check loop keeps the process alive; this timer does not.
    this.#timer = setInterval(() => void this.#checkStalledNow().catch(ignore), options.stalledIntervalMs);
    this.#timer.unref();
  }

  /**
   * Resolves once Redis confirmed the entry (or that it was dropped). A rejection carries
   * `maybeQueued` (see `PushFailure`): the push runs on a fail-fast connection, so a write refused
   * there, or never sent because the deadline came first, can never run later; a write sent
   * but not confirmed may have been stored.
   */
  async push(entry: QueueEntry): Promise<PushOutcome> {
    let e: QueueEntry;
    try {
      this.#open();
      e = copyEntry(`${WHERE}.push`, entry);
      checkJobId(e.id);
    } catch (err) {
      throw notQueued(err);
    }
    const attempt: PushAttempt = { abandoned: false, sent: false, stored: false };
    try {
      return await this.#deadline.run(
        () => this.#push(e, attempt),
        () => {
          attempt.abandoned = true;
        },
      );
    } catch (err) {
      // Stored, only its person index is missing or unconfirmed: it is queued.
      if (attempt.stored) return 'queued';
      throw pushFailure(WHERE, err, attempt.sent);
    }
  }

  async #push(e: QueueEntry, attempt: PushAttempt): Promise<PushOutcome> {
    // Waiting sends nothing; once the deadline gave up, nothing below is sent.
    await this.#pushQueue.waitUntilReady();
    await whenReady(this.#pushClient);
    if (attempt.abandoned) throw new Error(`${WHERE}.push: abandoned`);
    if ((await this.#depth(this.#pushQueue)) >= this.#o.maxSize) {
      if (await this.#pushQueue.getJob(e.id)) return 'queued';
      this.#dropped++;
      return 'dropped';
    }
    // From here the write may reach Redis, so a rejection says it may be queued, unless the
    // connection refused it (it sends a command at once or refuses it, never holds it for later).
    if (attempt.abandoned) throw new Error(`${WHERE}.push: abandoned`);
    attempt.sent = true;
    try {
      await this.#pushQueue.add(e.operation, e, { jobId: e.id, removeOnComplete: true, removeOnFail: true });
    } catch (err) {
      if (wasNotSent(err)) attempt.sent = false;
      throw err;
    }
    attempt.stored = true;
    await this.#order.record(e);
    return 'queued';
  }

  async take(limit: number, leaseMs: number): Promise<QueueEntry[]> {
    checkTake(WHERE, limit, leaseMs);
    this.#open();
    if (limit === 0) return [];
    const token = `${this.#token}:${++this.#tokens}`;
    const attempt = { abandoned: false };
    this.#liveTokens.add(token);
    const work = this.#take(limit, leaseMs, token, attempt).finally(() => this.#liveTokens.delete(token));
    // A take that failed half way may hold jobs it never returned: the next take gives them back.
    work.catch(() => {
      this.#orphansPossible = true;
    });
    try {
      return await this.#deadline.run(
        () => work,
        () => {
          attempt.abandoned = true;
        },
      );
    } catch (err) {
      // Should it still record leases (the store closing at that very moment), give them back.
      work.then((got) => this.#giveBack(got.map((x) => x.id)), ignore);
      throw err;
    }
  }

  /**
   * Leases up to `limit` heads under `token`. Once `attempt` is abandoned (the caller was told it
   * failed) it sends no new fetch and gives back what it already fetched, so no entry stays
   * leased to a caller that never got it.
   */
  async #take(limit: number, leaseMs: number, token: string, attempt: { abandoned: boolean }): Promise<QueueEntry[]> {
    // Nothing is queued in ioredis while Redis is away: a take that gives up leaves nothing behind.
    await whenReady(await this.#worker.getBackend().client);
    await whenReady(this.#conn.client);
    if (attempt.abandoned) return [];
    if (this.#orphansPossible) await this.#reclaim();
    if (attempt.abandoned) return [];
    await this.#checkStalled();
    const heads: EntryJob[] = [];
    const maxFetch = 4 * limit + 16;
    let fetched = 0;
    while (heads.length < limit && fetched < maxFetch && !attempt.abandoned) {
      const want = Math.min(limit - heads.length, maxFetch - fetched);
      const jobs = (await Promise.all(Array.from({ length: want }, () => this.#worker.getNextJob(token, { block: false })))).filter(
        (job): job is EntryJob => job !== undefined,
      );
      fetched += jobs.length;
      const verdicts = await Promise.all(jobs.map((job) => this.#order.isHead(job)));
      const blocked: EntryJob[] = [];
      jobs.forEach((job, i) => (verdicts[i] ? heads : blocked).push(job));
      await Promise.all(blocked.map((job) => this.#order.park(job, token)));
      if (jobs.length < want) break;
    }
    if (heads.length === 0) return [];
    if (attempt.abandoned) {
      await this.#release(heads.map((job) => [job.id!, token]));
      return [];
    }
    const ids = heads.map((job) => job.id!);
    const lost = new Set(await this.#worker.extendJobLocks(ids, ids.map(() => token), Math.ceil(leaseMs)));
    const kept = heads.filter((job) => !lost.has(job.id!));
    if (attempt.abandoned) {
      await this.#release(kept.map((job) => [job.id!, token]));
      return [];
    }
    for (const job of kept) this.#leased.set(job.id!, { job, token });
    return kept.map((job) => copyEntry(`${WHERE}.take`, job.data));
  }

  /** Gives back (to the front of the queue) jobs leased under the given tokens; ones no longer so leased are left alone. */
  async #release(pairs: ReadonlyArray<readonly [string, string]>): Promise<void> {
    const backend = this.#worker.getBackend();
    await Promise.all(
      pairs.map(([id, token]) =>
        backend.moveJobFromActiveToWait(id, token).catch((err: unknown) => {
          if (!isLostLease(err)) throw err;
        }),
      ),
    );
  }

  /** Gives back leases this store recorded but whose take the caller never saw resolve. */
  async #giveBack(ids: readonly string[]): Promise<void> {
    const pairs: Array<[string, string]> = [];
    for (const id of ids) {
      const held = this.#leased.get(id);
      if (!held) continue;
      this.#leased.delete(id);
      pairs.push([id, held.token]);
    }
    await this.#release(pairs).catch(ignore);
  }

  /** Finds and gives back orphaned leases (see `FIND_ORPHANS`); one run at a time. */
  #reclaim(): Promise<void> {
    this.#reclaiming ??= this.#reclaimOrphans().finally(() => {
      this.#reclaiming = undefined;
    });
    return this.#reclaiming;
  }

  async #reclaimOrphans(): Promise<void> {
    this.#orphansPossible = false;
    const claim = `${this.#token}:${++this.#tokens}`;
    this.#liveTokens.add(claim);
    try {
      const k = this.#keys;
      const found = (await runScript(this.#conn.client, FIND_ORPHANS, [k.active], [k.jobPrefix, `${this.#token}:`, claim, CLAIM_MS])) as string[];
      const orphans: Array<[string, string]> = [];
      for (let i = 0; i + 1 < found.length; i += 2) {
        const [id, lock] = [found[i]!, found[i + 1]!];
        const ours = lock !== claim && (this.#liveTokens.has(lock) || this.#leased.get(id)?.token === lock || this.#settling.has(id));
        if (!ours) orphans.push([id, lock]);
      }
      await this.#release(orphans);
    } catch (err) {
      this.#orphansPossible = true;
      throw err;
    } finally {
      this.#liveTokens.delete(claim);
    }
  }

  async ack(ids: readonly string[]): Promise<void> {
    this.#open();
    await this.#deadline.run(() => Promise.all(ids.map((id) => this.#settle(id, undefined))));
  }

  async retry(ids: readonly string[], delayMs: number, lastError?: string, options?: QueueRetryOptions): Promise<void> {
    checkDelay(WHERE, delayMs);
    this.#open();
    const counted = options?.counted !== false;
    await this.#deadline.run(() => Promise.all(ids.map((id) => this.#retryOne(id, delayMs, lastError, counted))));
  }

  async deadLetter(ids: readonly string[], reason: string): Promise<void> {
    this.#open();
    await this.#deadline.run(async () => {
      for (const id of ids) await this.#settle(id, reason);
    });
  }

  async addDeadLetter(entry: QueueEntry, reason: string): Promise<void> {
    this.#open();
    const e = copyEntry(`${WHERE}.addDeadLetter`, entry);
    this.#dropped += await this.#deadline.run(() => this.#dead.add(toDeadLetter(e, reason, Date.now())));
  }

  async listDeadLetters(limit?: number): Promise<DeadLetter[]> {
    const max = checkListLimit(WHERE, limit);
    this.#open();
    return this.#deadline.run(() => this.#dead.list(max));
  }

  async redrive(ids?: readonly string[]): Promise<number> {
    this.#open();
    return this.#deadline.run(() => this.#redrive(ids));
  }

  async #redrive(ids: readonly string[] | undefined): Promise<number> {
    let moved = 0;
    for (const id of ids ?? (await this.#dead.ids())) {
      const dead = await this.#dead.get(id);
      if (!dead || (await this.#queue.getJob(id))) continue;
      if ((await this.#depth()) >= this.#o.maxSize) break;
      await this.#add(fromDeadLetter(dead));
      await this.#dead.remove(id);
      moved++;
    }
    return moved;
  }

  async discardDeadLetters(ids: readonly string[]): Promise<number> {
    checkIds(WHERE, ids);
    this.#open();
    return this.#deadline.run(async () => {
      let discarded = 0;
      for (const id of ids) if (await this.#dead.remove(id)) discarded++;
      return discarded;
    });
  }

  async stats(): Promise<QueueStats> {
    this.#open();
    return this.#deadline.run(() => this.#stats());
  }

  async #stats(): Promise<QueueStats> {
    const [depth, oldest, deadLetters] = await Promise.all([this.#depth(), this.#order.oldest(), this.#dead.count()]);
    const oldestAgeMs = depth === 0 || oldest === null ? 0 : Math.max(0, Date.now() - oldest);
    return { depth, oldestAgeMs, dropped: this.#dropped, deadLetters };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  #open(): void {
    if (this.#closing) throw closedError(WHERE);
  }

  async #depth(queue = this.#queue): Promise<number> {
    const counts = await queue.getJobCounts(...WAITING_STATES);
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async #add(e: QueueEntry): Promise<void> {
    await this.#queue.add(e.operation, e, { jobId: e.id, removeOnComplete: true, removeOnFail: true });
    await this.#order.record(e);
  }

  /** Runs BullMQ's expired-lease check (at most once per interval across the fleet; a no-op otherwise). */
  async #checkStalled(): Promise<void> {
    await this.#worker.getBackend().moveStalledJobsToWait();
  }

  /** The periodic check: skipped while Redis is away, so checks do not pile up in ioredis' offline queue. */
  async #checkStalledNow(): Promise<void> {
    const client: ReadyAware = await this.#worker.getBackend().client;
    if (client.status === 'ready') await this.#checkStalled();
  }

  async #retryOne(id: string, delayMs: number, lastError: string | undefined, counted: boolean): Promise<void> {
    const held = this.#leased.get(id);
    if (!held) return;
    const { job, token } = held;
    this.#leased.delete(id);
    this.#settling.add(id);
    const data: QueueEntry = { ...job.data, attempts: job.data.attempts + (counted ? 1 : 0) };
    if (lastError !== undefined) data.lastError = lastError;
    try {
      if (delayMs > 0) {
        const update = { skipAttempt: true, fieldsToUpdate: { data: JSON.stringify(data) } };
        await this.#worker.getBackend().moveToDelayed(id, Date.now(), Math.ceil(delayMs), token, update);
      } else {
        // Back to the head of the wait list, keeping its place.
        await job.moveToWait(token);
        await job.updateData(data);
      }
    } catch (err) {
      if (!isLostLease(err)) throw err;
    } finally {
      this.#settling.delete(id);
    }
  }

  /** Removes an entry (acked, or dead-lettered when `reason` is given) and lets its person's next entry go. */
  async #settle(id: string, reason: string | undefined): Promise<void> {
    const held = this.#leased.get(id);
    this.#leased.delete(id);
    this.#settling.add(id);
    try {
      const entry = held?.job.data ?? (await this.#queue.getJob(id))?.data;
      if (reason !== undefined) {
        if (!entry) return;
        this.#dropped += await this.#dead.add(toDeadLetter(entry, reason, Date.now()));
      }
      if (!(await this.#removeJob(id, held))) {
        // Leased by another instance after this one's lease ran out: theirs to settle.
        if (reason !== undefined) await this.#dead.remove(id);
        return;
      }
      await this.#order.forget(id, entry?.personKey ?? '');
    } finally {
      this.#settling.delete(id);
    }
  }

  /** Deletes a job; false when another instance holds its lock. */
  async #removeJob(id: string, held: Held | undefined): Promise<boolean> {
    if (held) {
      try {
        await held.job.moveToCompleted(null, held.token, false);
        return true;
      } catch (err) {
        if (!isLostLease(err)) throw err;
      }
    }
    return (await this.#worker.getBackend().remove(id, false)) === 1;
  }

  async #shutdown(): Promise<void> {
    clearInterval(this.#timer);
    const leased = [...this.#leased.values()];
    this.#leased.clear();
    const graceful = (async () => {
      // Give back what this instance still holds, so the fleet can have it at once.
      await Promise.allSettled(leased.map(({ job, token }) => job.moveToWait(token)));
      await this.#worker.close(true);
      await this.#queue.close();
      await this.#pushQueue.close();
      await closeOwned(this.#conn);
      await this.#pushClient.quit().catch(() => this.#pushClient.disconnect());
    })();
    if (!(await settledWithin(graceful, this.#o.closeTimeoutMs))) {
      // Redis is unreachable or slow: drop the connections without waiting for them.
      if (this.#conn.owned) this.#conn.client.disconnect();
      this.#pushClient.disconnect();
      this.#worker.disconnect().catch(ignore);
      this.#queue.disconnect().catch(ignore);
      this.#pushQueue.disconnect().catch(ignore);
    }
    this.#deadline.end(closedError(WHERE));
  }
}
