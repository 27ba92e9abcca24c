import { randomUUID } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { show } from '../../queue/check.js';
import { checkDelay, checkListLimit, checkTake, closedError, copyEntry, fromDeadLetter, toDeadLetter } from '../../queue/entry.js';
import type { DeadLetter, PushOutcome, QueueEntry, QueueStats, QueueStore } from '../../queue/store.js';
import { closeOwned, resolveConnection, type ResolvedConnection } from './connection.js';
import { Deadline, settledWithin } from './deadline.js';
import { RedisDeadLetters } from './deadLetters.js';
import { QueueKeys } from './keys.js';
import type { NormalizedBullmqOptions } from './options.js';
import { isLostLease, PersonOrder } from './personOrder.js';

const WHERE = 'bullmqQueue';
/** The lock a job gets when fetched, until `take` sets it to the lease (covers a crash in between). */
const FETCH_LOCK_MS = 30_000;
/** Job states that count towards the depth. */
const WAITING_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

type EntryJob = Job<QueueEntry, null, string>;

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
  readonly #worker: Worker<QueueEntry, null, string>;
  readonly #dead: RedisDeadLetters;
  readonly #token = `cio-${randomUUID()}`;
  /** Jobs this store leased and has not settled yet, by id. */
  readonly #leased = new Map<string, EntryJob>();
  readonly #timer: NodeJS.Timeout;
  readonly #deadline: Deadline;
  #dropped = 0;
  #closing: Promise<void> | undefined;

  constructor(options: NormalizedBullmqOptions) {
    this.#o = options;
    this.#conn = resolveConnection(WHERE, options.connection);
    this.#queue = new Queue<QueueEntry, null, string>(options.name, { connection: this.#conn.client, prefix: options.prefix });
    // Jobs are fetched by hand (no processor, no main loop); its connections are its own.
    this.#worker = new Worker<QueueEntry, null, string>(options.name, null, {
      connection: { ...this.#conn.options, maxRetriesPerRequest: null } as ConnectionOptions,
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
    this.#worker.on('error', ignore);
    this.#deadline = new Deadline(WHERE, options.operationTimeoutMs);
    const keys = new QueueKeys(options.prefix, options.name);
    this.#order = new PersonOrder(this.#conn.client, keys, this.#worker.getBackend(), this.#token);
    this.#dead = new RedisDeadLetters(this.#conn.client, keys, options.maxDeadLetters);
    // BullMQ's own stalled-check loop keeps the process alive; this timer does not.
    this.#timer = setInterval(() => void this.#checkStalled().catch(ignore), options.stalledIntervalMs);
    this.#timer.unref();
  }

  async push(entry: QueueEntry): Promise<PushOutcome> {
    this.#open();
    const e = copyEntry(`${WHERE}.push`, entry);
    checkJobId(e.id);
    return this.#deadline.run(async () => {
      if ((await this.#depth()) >= this.#o.maxSize) {
        if (await this.#queue.getJob(e.id)) return 'queued';
        this.#dropped++;
        return 'dropped';
      }
      await this.#add(e);
      return 'queued';
    });
  }

  async take(limit: number, leaseMs: number): Promise<QueueEntry[]> {
    checkTake(WHERE, limit, leaseMs);
    this.#open();
    if (limit === 0) return [];
    return this.#deadline.run(() => this.#take(limit, leaseMs));
  }

  async #take(limit: number, leaseMs: number): Promise<QueueEntry[]> {
    await this.#checkStalled();
    const heads: EntryJob[] = [];
    const maxFetch = 4 * limit + 16;
    let fetched = 0;
    while (heads.length < limit && fetched < maxFetch) {
      const want = Math.min(limit - heads.length, maxFetch - fetched);
      const jobs = (await Promise.all(Array.from({ length: want }, () => this.#worker.getNextJob(this.#token, { block: false })))).filter(
        (job): job is EntryJob => job !== undefined,
      );
      fetched += jobs.length;
      const verdicts = await Promise.all(jobs.map((job) => this.#order.isHead(job)));
      const blocked: EntryJob[] = [];
      jobs.forEach((job, i) => (verdicts[i] ? heads : blocked).push(job));
      await Promise.all(blocked.map((job) => this.#order.park(job)));
      if (jobs.length < want) break;
    }
    if (heads.length === 0) return [];
    const ids = heads.map((job) => job.id!);
    const lost = new Set(await this.#worker.extendJobLocks(ids, ids.map(() => this.#token), Math.ceil(leaseMs)));
    const kept = heads.filter((job) => !lost.has(job.id!));
    for (const job of kept) this.#leased.set(job.id!, job);
    return kept.map((job) => copyEntry(`${WHERE}.take`, job.data));
  }

  async ack(ids: readonly string[]): Promise<void> {
    this.#open();
    await this.#deadline.run(() => Promise.all(ids.map((id) => this.#settle(id, undefined))));
  }

  async retry(ids: readonly string[], delayMs: number, lastError?: string): Promise<void> {
    checkDelay(WHERE, delayMs);
    this.#open();
    await this.#deadline.run(() => Promise.all(ids.map((id) => this.#retryOne(id, delayMs, lastError))));
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

  async #depth(): Promise<number> {
    const counts = await this.#queue.getJobCounts(...WAITING_STATES);
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

  async #retryOne(id: string, delayMs: number, lastError: string | undefined): Promise<void> {
    const job = this.#leased.get(id);
    if (!job) return;
    this.#leased.delete(id);
    const data: QueueEntry = { ...job.data, attempts: job.data.attempts + 1 };
    if (lastError !== undefined) data.lastError = lastError;
    try {
      if (delayMs > 0) {
        const update = { skipAttempt: true, fieldsToUpdate: { data: JSON.stringify(data) } };
        await this.#worker.getBackend().moveToDelayed(id, Date.now(), Math.ceil(delayMs), this.#token, update);
      } else {
        // Back to the head of the wait list, keeping its place.
        await job.moveToWait(this.#token);
        await job.updateData(data);
      }
    } catch (err) {
      if (!isLostLease(err)) throw err;
    }
  }

  /** Removes an entry (acked, or dead-lettered when `reason` is given) and lets its person's next entry go. */
  async #settle(id: string, reason: string | undefined): Promise<void> {
    const held = this.#leased.get(id);
    this.#leased.delete(id);
    const entry = held?.data ?? (await this.#queue.getJob(id))?.data;
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
  }

  /** Deletes a job; false when another instance holds its lock. */
  async #removeJob(id: string, held: EntryJob | undefined): Promise<boolean> {
    if (held) {
      try {
        await held.moveToCompleted(null, this.#token, false);
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
      await Promise.allSettled(leased.map((job) => job.moveToWait(this.#token)));
      await this.#worker.close(true);
      await this.#queue.close();
      await closeOwned(this.#conn);
    })();
    if (!(await settledWithin(graceful, this.#o.closeTimeoutMs))) {
      // Redis is unreachable or slow: drop the connections without waiting for them.
      if (this.#conn.owned) this.#conn.client.disconnect();
      this.#worker.disconnect().catch(ignore);
      this.#queue.disconnect().catch(ignore);
    }
    this.#deadline.end(closedError(WHERE));
  }
}
