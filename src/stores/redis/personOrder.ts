import type { Job, RedisQueueBackend } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueEntry } from '../../queue/store.js';
import type { QueueKeys } from './keys.js';
import { runScript } from './runScript.js';
import { INDEX, IS_HEAD, OLDEST, UNINDEX } from './scripts.js';

/**
 * How long a job that is not its person's head is set aside. It is promoted as soon as its person's
 * earlier entry is settled; the short period bounds the wait when a promotion is missed (a push
 * records its index entry just after its job exists, so a concurrent take can see the job first).
 */
const PARK_MS = 1_000;
/** BullMQ errors that mean the job is no longer leased by this store (gone, or its lock expired). */
const LOST_LEASE = /Missing (key|lock) for job|is not in the active state|Lock mismatch/;

/** True when `err` says the job is no longer leased by the caller. */
export const isLostLease = (err: unknown): boolean => LOST_LEASE.test(String((err as Error | undefined)?.message));

type EntryJob = Job<QueueEntry, null, string>;

/**
 * The indexes that keep each person's order across a fleet, and the age of the oldest entry:
 * a sorted set per person (entries in push order) and one of every entry by `enqueuedAt`.
 */
export class PersonOrder {
  readonly #client: Redis;
  readonly #keys: QueueKeys;
  readonly #backend: RedisQueueBackend;

  constructor(client: Redis, keys: QueueKeys, backend: RedisQueueBackend) {
    this.#client = client;
    this.#keys = keys;
    this.#backend = backend;
  }

  /** Records an entry once its job exists (a re-push of a recorded id changes nothing). */
  async record(e: QueueEntry): Promise<void> {
    const k = this.#keys;
    await runScript(this.#client, INDEX, [k.seq, k.person(e.personKey), k.enqueued], [e.id, e.enqueuedAt, e.personKey === '' ? '0' : '1']);
  }

  /** Whether a fetched job is the first live entry of its person (entries without a person always are). */
  async isHead(job: EntryJob): Promise<boolean> {
    const person = job.data.personKey;
    if (person === '') return true;
    return (await runScript(this.#client, IS_HEAD, [this.#keys.person(person)], [job.id!, this.#keys.jobPrefix])) === 1;
  }

  /** Sets aside a job fetched under `token` whose person has an earlier entry out, until that entry is settled. */
  async park(job: EntryJob, token: string): Promise<void> {
    try {
      await job.moveToDelayed(Date.now() + PARK_MS, token);
    } catch (err) {
      if (isLostLease(err)) return;
      throw err;
    }
    // The earlier entry may have been settled meanwhile, its promotion missing this job.
    if (await this.isHead(job)) await this.#promote(job.id!);
  }

  /** Forgets a removed entry and lets its person's next entry go at once. */
  async forget(id: string, personKey: string): Promise<void> {
    const next = await runScript(this.#client, UNINDEX, [this.#keys.person(personKey), this.#keys.enqueued], [id]);
    if (typeof next === 'string') await this.#promote(next);
  }

  /** The `enqueuedAt` of the oldest live entry, or null. */
  async oldest(): Promise<number | null> {
    const score = await runScript(this.#client, OLDEST, [this.#keys.enqueued], [this.#keys.jobPrefix]);
    return score === null ? null : Number(score);
  }

  /** Moves a set-aside job back to the queue; a job that is not delayed is left alone. */
  async #promote(id: string): Promise<void> {
    await this.#backend.promote(id).catch(() => undefined);
  }
}
