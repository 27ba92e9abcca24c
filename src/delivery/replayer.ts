import { CioError } from '../errors/CioError.js';
import { specOf } from '../operations/table.js';
import type { ApiName, SdkClients } from '../operations/spec.js';
import type { Pipeline, RunOutcome } from '../policies/pipeline.js';
import type { TokenBucket } from '../policies/rateLimiter.js';
import { beforeDeadline } from '../policies/deadline.js';
import { capRetryAfter } from '../policies/retryAfter.js';
import type { PolicySettings } from '../policies/settings.js';
import type { QueueEntry, QueueRetryOptions, QueueStats, QueueStore } from '../queue/store.js';
import { sendBatch } from './batchFormat.js';
import { split, type Batch } from './split.js';
import { batchVerdicts, endRequestTrace, routeFailure } from './verdicts.js';
import type { Tracing } from '../telemetry/tracing.js';

/** Replays a queued custom operation (see `CioClient.registerReplay`). */
export type ReplayHandler = (...args: unknown[]) => Promise<unknown>;

/** A registered custom operation: how to replay it, whether a repeat is harmless, and the API it goes to. */
export interface RegisteredReplay {
  handler: ReplayHandler;
  repeatable: boolean;
  api: ApiName;
}

/** How the queue is replayed. */
export interface ReplaySettings extends Pick<PolicySettings, 'timeoutMs' | 'retry' | 'nonIdempotentDelivery'> {
  drain: { batchSize: number; intervalMs: number; maxAttempts: number };
  logger: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** What the replayer needs from its client. */
export interface ReplayerDeps {
  store: QueueStore;
  /**
   * The policies of each API the client has credentials for (Track's always): a replay of an
   * operation runs under its API's (custom ones under Track's).
   */
  policies: Readonly<Partial<Record<ApiName, Pipeline>> & { track: Pipeline }>;
  /** An operation's own rate limit on top of its API's (a broadcast trigger's), if it has one. */
  limitOf(operation: string): TokenBucket | undefined;
  sdk: SdkClients;
  options: ReplaySettings;
  replays: ReadonlyMap<string, RegisteredReplay>;
  /** Takes credentials out of text that is logged. */
  redact(text: string): string;
  /** Spans of the replay's requests (root spans: a replay serves calls of an earlier time); `undefined` for none. */
  tracing: Tracing | undefined;
  onStats(stats: QueueStats): void;
  /** Entries Customer.io accepted, and the attempts their request took. */
  onSent(entries: readonly QueueEntry[], attempts: number): void;
  /** An entry set aside as a dead letter. */
  onDeadLettered(entry: QueueEntry, error: CioError): void;
  /** Entries that left the queue (delivered or dead-lettered). */
  onLeft(entries: readonly QueueEntry[]): void;
}


/** An entry handed back without having been tried: its attempt does not count towards giving up. */
const NOT_TRIED: QueueRetryOptions = Object.freeze({ counted: false });

/**
 * Replays the fallback queue: waits while every API's circuit is open (a periodic try is the
 * half-open probe), then drains at full speed under each API's rate limit. Each round takes up to
 * `drain.batchSize` entries (a store hands out only the oldest waiting entry of each person, so the
 * entries of a round are of different people and may go in any order): the ones an API's batch route
 * can carry go in one batch request per API (Track v2 207 partial results: each failed item is
 * retried or dead-lettered by its reason), and the rest go on their own routes, one after another,
 * meanwhile. An entry whose API's circuit is open, or whose API asked to wait (`Retry-After`), goes
 * back untried, so an outage or a throttle of one API never holds up the others' entries.
 */
export class Replayer {
  readonly #d: ReplayerDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  /**
   * The single requests of the last round, still going (at most one such chain at a time): the next
   * round's batch need not wait for them (the entries stay leased, so their people's later entries
   * are not handed out meanwhile). Resolves how many entries it settled.
   */
  #alone: Promise<number> | undefined;
  #stopped = true;
  /** Until when (epoch ms) each API's replay waits, as its `Retry-After` asked: the others' goes on. */
  readonly #pausedUntil = new Map<Pipeline, number>();
  #delivered = 0;
  #refreshing: Promise<unknown> | undefined;
  #refreshAgain = false;

  constructor(deps: ReplayerDeps) {
    this.#d = deps;
  }

  /** Starts the periodic replay. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(this.#d.options.drain.intervalMs);
  }

  /** Asks for a replay round soon (after new entries, a closed circuit, a redrive). */
  kick(): void {
    if (this.#stopped || this.#running) return;
    this.#schedule(0);
  }

  /**
   * Stops: no new rounds; waits for the current one until `deadline` (epoch ms) at most. A round
   * still waiting for Customer.io then finishes on its own: its entries stay leased in the store
   * (a durable store hands them out again after a restart). Safe to call twice.
   */
  async stop(deadline = Number.POSITIVE_INFINITY): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#refreshAgain = false;
    await beforeDeadline(Promise.allSettled([this.#running, this.#alone, this.#refreshing]), deadline);
  }

  /** Whether a read of the store's figures is under way. */
  get refreshing(): boolean {
    return this.#refreshing !== undefined;
  }

  /**
   * Refreshes the figures in the background, coalescing calls: at most one read in flight and one
   * more after it, however many calls came meanwhile (a push must not cost a store-wide count).
   */
  refreshSoon(): void {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = this.refreshStats().finally(() => {
      this.#refreshing = undefined;
      if (this.#refreshAgain) {
        this.#refreshAgain = false;
        this.refreshSoon();
      }
    });
  }

  /** Reads the store's figures and hands them to the client. */
  async refreshStats(): Promise<QueueStats | undefined> {
    try {
      const stats = await this.#d.store.stats();
      this.#d.onStats(stats);
      return stats;
    } catch (err) {
      this.#d.options.logger.warn({ err: this.#d.redact(String(err)) }, 'customerio-resilience: reading queue figures failed');
      return undefined;
    }
  }

  /** Replays until the queue is empty, Customer.io refuses, or `timeoutMs` passes. */
  async flush(timeoutMs: number): Promise<{ delivered: number; remaining: number }> {
    const deadline = Date.now() + timeoutMs;
    const before = this.#delivered;
    while (Date.now() < deadline) {
      const stats = await this.refreshStats();
      if (!stats || stats.depth === 0) break;
      let moved: number | undefined;
      try {
        // A round waiting for a hanging Customer.io (or store) must not hold the flush past its deadline.
        moved = await beforeDeadline(this.#round(deadline), deadline);
        if (moved === undefined) break;
      } catch (err) {
        // The store failed (Redis away, a closed file): report and stop, what is queued stays queued.
        this.#d.options.logger.error({ err: this.#d.redact(String(err)) }, 'customerio-resilience: queue replay failed during flush');
        break;
      }
      if (moved === 0) {
        if (this.#lanes.every((lane) => lane.circuitState === 'ISOLATED')) break;
        // The circuit waits to half-open, entries are delayed or leased elsewhere: look again
        // shortly, bounded by the deadline.
        await delay(Math.min(25, Math.max(0, deadline - Date.now())));
      }
    }
    // The last round's single requests may still be going: their entries count once they settle.
    if (this.#alone) await beforeDeadline(this.#alone.catch(() => 0), deadline);
    const stats = await beforeDeadline(this.refreshStats(), deadline + 1_000);
    return { delivered: this.#delivered - before, remaining: stats?.depth ?? 0 };
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    let moved = 0;
    try {
      moved = await this.#round(Number.POSITIVE_INFINITY);
    } catch (err) {
      this.#d.options.logger.error({ err: this.#d.redact(String(err)) }, 'customerio-resilience: queue replay failed');
    }
    const open = this.#lanes.some((lane) => lane.circuitState !== 'CLOSED');
    this.#schedule(moved > 0 && !open ? 0 : this.#d.options.drain.intervalMs);
  }

  /** One round: take a batch and replay it. Resolves how many entries were settled. */
  #round(deadline: number): Promise<number> {
    if (this.#running) return this.#running;
    const run = (async (): Promise<number> => {
      // While every API's circuit is open or paused by a Retry-After nothing is taken: an outage or
      // a throttle costs the store nothing. An entry whose API's circuit is open goes back, not
      // counted, until that circuit may be probed (at most one replay interval), one whose API is
      // paused until the pause ends, so the entries of the APIs that are up go meanwhile.
      const ready = this.#lanes.filter((lane) => lane.canProbe && this.#pausedFor(lane) === 0);
      if (ready.length === 0) return 0;
      const o = this.#d.options;
      // While no circuit that may be used is closed, one entry at a time: the probe.
      const limit = ready.some((lane) => lane.circuitState === 'CLOSED') ? o.drain.batchSize : 1;
      const leaseMs = Math.max(60_000, o.timeoutMs * o.retry.maxAttempts * 2);
      // Delays persisted under a larger cap (or by an older version) are clamped as they are read.
      const entries = await this.#d.store.take(limit, leaseMs, Math.max(o.retry.maxRetryAfterMs, this.#longestBackoffMs()));
      if (entries.length === 0) return 0;
      const { batches, alone } = split(entries);
      const batched = Promise.all(batches.map((b) => this.#sendBatch(b, deadline)));
      let settled = 0;
      if (alone.length > 0) {
        // One chain of single requests at a time: the previous round's must end before this one's starts.
        if (this.#alone) settled += await this.#alone;
        const chain = Date.now() >= deadline ? this.#putBack(alone) : this.#sendEach(alone, deadline);
        this.#alone = chain;
        void chain.then(
          () => (this.#alone === chain ? (this.#alone = undefined) : undefined),
          () => (this.#alone === chain ? (this.#alone = undefined) : undefined),
        );
      }
      for (const n of await batched) settled += n;
      await this.refreshStats();
      return settled;
    })();
    this.#running = run;
    return run.finally(() => {
      this.#running = undefined;
    });
  }

  /** How long `lane`'s replay still waits for a `Retry-After` (0: not paused). */
  #pausedFor(lane: Pipeline): number {
    const until = this.#pausedUntil.get(lane);
    if (until === undefined) return 0;
    const ms = until - Date.now();
    if (ms > 0) return ms;
    this.#pausedUntil.delete(lane);
    return 0;
  }

  /**
   * Hands entries back untouched, after `delayMs` (the round ran out of time, or their API asked to
   * wait: then until the end of that pause).
   */
  async #putBack(entries: QueueEntry[], delayMs = 0): Promise<number> {
    await this.#d.store.retry(entries.map((e) => e.id), delayMs, undefined, NOT_TRIED).catch(() => undefined);
    return 0;
  }

  async #sendBatch({ api, entries, ops }: Batch, deadline: number): Promise<number> {
    const lane = this.#d.policies[api] ?? this.#d.policies.track;
    if (Date.now() >= deadline) return this.#putBack(entries);
    const pausedMs = this.#pausedFor(lane);
    if (pausedMs > 0) return this.#putBack(entries, pausedMs);
    const trace = this.#d.tracing?.request(`${api} batch request`, { 'customerio.api': api, 'customerio.batch.size': entries.length, 'customerio.replay': true });
    const outcome = await lane.run(() => sendBatch(this.#d.sdk, api, ops), { repeatable: true, canDefer: false, trace });
    const verdicts = batchVerdicts(outcome, entries.length);
    endRequestTrace(trace, outcome, verdicts);
    // Refused as a whole (too large, malformed): each entry gets its own verdict on its own route.
    if (verdicts === 'each') return this.#sendEach(entries, Number.POSITIVE_INFINITY);
    if (!outcome.ok) {
      await this.#failed(entries, outcome.error, lane);
      return 0;
    }
    const ok: QueueEntry[] = [];
    const retryLater: QueueEntry[] = [];
    const dead: Array<[QueueEntry, CioError]> = [];
    entries.forEach((entry, i) => {
      const v = verdicts[i]!;
      if (v.ok) ok.push(entry);
      else if (v.error.retryable) retryLater.push(entry);
      else dead.push([entry, v.error]);
    });
    await this.#acked(ok, outcome.attempts);
    if (retryLater.length > 0) await this.#d.store.retry(retryLater.map((e) => e.id), this.#backoff(retryLater[0]!), 'TRANSIENT: batch item');
    for (const [entry, error] of dead) await this.#dead(entry, `${error.code}: ${error.message}`, error);
    return entries.length;
  }

  /**
   * Sends entries on their own routes, one after another. After a transient failure, the later
   * entries of the same API go back with it untried (that API is failing), as do those of an API
   * paused by a `Retry-After`; the others go on.
   */
  async #sendEach(entries: QueueEntry[], deadline: number): Promise<number> {
    let settled = 0;
    const failing = new Set<Pipeline>();
    for (let i = 0; i < entries.length; i++) {
      if (Date.now() >= deadline) {
        await this.#putBack(entries.slice(i));
        break;
      }
      const entry = entries[i]!;
      const lane = this.#laneOf(entry);
      const pausedMs = this.#pausedFor(lane);
      if (pausedMs > 0) {
        await this.#putBack([entry], pausedMs);
        continue;
      }
      if (failing.has(lane)) {
        await this.#putBack([entry]);
        continue;
      }
      const outcome = await this.#replayOne(entry, lane);
      if (outcome.ok) {
        await this.#acked([entry], outcome.attempts);
        settled++;
        continue;
      }
      const error = outcome.error;
      const spec = specOf(entry.operation);
      const repeatable = spec ? spec.repeatable : (this.#d.replays.get(entry.operation)?.repeatable ?? true);
      const atMostOnce = this.#d.options.nonIdempotentDelivery === 'at-most-once';
      const route = routeFailure(error, { repeatable, atMostOnce, keepable: true });
      if (route === 'ambiguous') {
        await this.#dead(entry, `AMBIGUOUS: ${error.message}`, new CioError('AMBIGUOUS', error.message, false));
        settled++;
      } else if (route === 'refused') {
        await this.#dead(entry, `${error.code}: ${error.message}`, error);
        settled++;
      } else {
        await this.#failed([entry], error, lane);
        failing.add(lane);
      }
    }
    return settled;
  }

  /** The policies an entry's replay runs under: its API's (a custom operation's: the one it was registered with). */
  #laneOf(entry: QueueEntry): Pipeline {
    return this.#d.policies[this.#apiOf(entry.operation)] ?? this.#d.policies.track;
  }

  /** The API of an operation: its own, or the one a custom operation was registered with (`track` by default). */
  #apiOf(operation: string): ApiName {
    return specOf(operation)?.api ?? this.#d.replays.get(operation)?.api ?? 'track';
  }

  /** The policies of each API in use. */
  get #lanes(): Pipeline[] {
    return Object.values(this.#d.policies).filter((lane) => lane !== undefined);
  }

  async #replayOne(entry: QueueEntry, lane: Pipeline): Promise<RunOutcome<unknown>> {
    const spec = specOf(entry.operation);
    const trace = this.#d.tracing?.request(`replay ${entry.operation}`, {
      'customerio.operation': entry.operation,
      'customerio.api': this.#apiOf(entry.operation),
      'customerio.replay': true,
      ...(entry.eventId ? { 'customerio.event_id': entry.eventId } : {}),
    });
    let outcome: RunOutcome<unknown>;
    if (spec) {
      outcome = await lane.run(() => spec.invoke(this.#d.sdk, entry.args), {
        repeatable: spec.repeatable,
        canDefer: false,
        limit: this.#d.limitOf(entry.operation),
        trace,
      });
    } else {
      const replay = this.#d.replays.get(entry.operation);
      outcome = replay
        ? await lane.run(() => replay.handler(...entry.args), { repeatable: replay.repeatable, canDefer: false, trace })
        : { ok: false, error: new CioError('TRANSIENT', `No replay handler is registered for '${entry.operation}' yet`, true), attempts: 0 };
    }
    endRequestTrace(trace, outcome);
    return outcome;
  }

  async #acked(entries: QueueEntry[], attempts: number): Promise<void> {
    if (entries.length === 0) return;
    await this.#d.store.ack(entries.map((e) => e.id));
    this.#d.onLeft(entries);
    this.#delivered += entries.length;
    this.#d.onSent(entries, attempts);
  }

  /** Puts `entries` back after a transient failure under `lane`'s policies. */
  async #failed(entries: QueueEntry[], error: CioError, lane: Pipeline): Promise<void> {
    // Customer.io's Retry-After pauses the replay of `lane`'s API only (the others go on), never
    // longer than retry.maxRetryAfterMs (a `Retry-After: 999999999` must not stop the queue for
    // years; durable stores keep the delay).
    const retryAfterMs = error.retryAfterMs === undefined ? undefined : capRetryAfter(error.retryAfterMs, this.#d.options.retry.maxRetryAfterMs);
    if (retryAfterMs !== undefined) this.#pausedUntil.set(lane, Math.max(this.#pausedUntil.get(lane) ?? 0, Date.now() + retryAfterMs));
    // A refusal by the open circuit is not a failure of the entry's own: it never counts towards giving up.
    const open = error.code === 'CIRCUIT_OPEN';
    const max = open ? Number.POSITIVE_INFINITY : this.#d.options.drain.maxAttempts;
    const tooMany = entries.filter((e) => e.attempts + 1 >= max);
    const again = entries.filter((e) => e.attempts + 1 < max);
    // Refused by the open circuit: set aside until that circuit may be probed, at most one replay
    // interval (a durable store keeps the delay, and the next process's circuit may be closed), so
    // the entries of other APIs behind it go meanwhile.
    const delayMs = open ? Math.min(lane.msUntilProbe, this.#d.options.drain.intervalMs) : Math.max(retryAfterMs ?? 0, this.#backoff(entries[0]!));
    const lastError = `${error.code}: ${error.message}`.slice(0, 500);
    if (again.length > 0) await this.#d.store.retry(again.map((e) => e.id), delayMs, lastError, open ? NOT_TRIED : undefined);
    for (const e of tooMany) await this.#dead(e, `${error.code}: gave up after ${e.attempts + 1} replay attempts (${error.message})`, error);
  }

  async #dead(entry: QueueEntry, reason: string, error: CioError): Promise<void> {
    await this.#d.store.deadLetter([entry.id], reason.slice(0, 500));
    this.#d.onLeft([entry]);
    this.#d.onDeadLettered(entry, error);
  }

  /** The longest delay the replay backs off by (six times a call's longest retry delay). */
  #longestBackoffMs(): number {
    return this.#d.options.retry.maxDelayMs * 6;
  }

  #backoff(entry: QueueEntry): number {
    const { initialDelayMs } = this.#d.options.retry;
    const cap = Math.min(this.#longestBackoffMs(), initialDelayMs * 2 ** Math.min(entry.attempts, 16));
    return Math.round(cap / 2 + (Math.random() * cap) / 2);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

