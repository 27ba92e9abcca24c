/**
 * Redis key names of one BullMQ-backed queue. BullMQ owns `<prefix>:<name>:<jobId>` and its
 * own lists; the store's indexes and dead letters live under `<prefix>:<name>:_cio:` (job ids
 * cannot contain `:`, so they never clash).
 */
export class QueueKeys {
  /** `<prefix>:<name>`: every key of the queue starts with it. */
  readonly base: string;
  /** What a job id is appended to for the job's hash key. */
  readonly jobPrefix: string;
  /** BullMQ's list of leased (active) jobs. */
  readonly active: string;
  readonly seq: string;
  readonly enqueued: string;
  readonly dead: string;
  readonly deadOrder: string;

  constructor(prefix: string, name: string) {
    this.base = `${prefix}:${name}`;
    this.jobPrefix = `${this.base}:`;
    this.active = `${this.base}:active`;
    const own = `${this.base}:_cio`;
    this.seq = `${own}:seq`;
    this.enqueued = `${own}:enq`;
    this.dead = `${own}:dead`;
    this.deadOrder = `${own}:dead:order`;
  }

  /** The index of one person's entries, in push order. */
  person(personKey: string): string {
    return `${this.base}:_cio:p:${personKey}`;
  }
}
