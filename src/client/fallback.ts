import type { Replayer } from '../delivery/replayer.js';
import { routeFailure } from '../delivery/verdicts.js';
import { CioError } from '../errors/CioError.js';
import { newEventId } from '../idempotency/eventId.js';
import { specOf } from '../operations/table.js';
import type { CioResult } from '../operations/types.js';
import type { Redactor } from '../policies/redact.js';
import type { QueueEntry, QueueStore } from '../queue/store.js';
import type { CallMark } from './calls.js';
import type { CioEvents, TypedEmitter } from './events.js';
import type { IdempotencyGuard } from './guard.js';
import type { CioLogger } from './logger.js';
import type { PersonOrder } from './personOrder.js';
import type { QueueFigures } from './queueFigures.js';

/** What the client knows of a call between its idempotency guard and its outcome. */
export interface CallFacts extends CallMark {
  /** What a queue entry of it holds (`undefined`: it cannot be queued). */
  storable: { args: unknown[]; personKey: string; builtIn: boolean } | undefined;
  repeatable: boolean;
  reportedKey: string;
  explicitKey: boolean;
  eventId?: string | undefined;
  /** Whether a `sent` result carries the value `send` resolved (`run()`). */
  keepValue?: boolean;
  /** When the app made the call (ms since the epoch): a queued identify or event keeps this time. */
  madeAt?: number;
  /** Whether it is one of a person's ordered updates (see `OperationSpec.ordered`). */
  ordered?: boolean;
}

/** What the fallback works with: the client's queue, guard, figures and events. */
export interface FallbackDeps {
  queue: QueueStore | undefined;
  replayer: Replayer | undefined;
  guard: IdempotencyGuard;
  order: PersonOrder;
  figures: QueueFigures;
  emitter: TypedEmitter<CioEvents>;
  logger: CioLogger;
  redact: Redactor;
  /** `nonIdempotentDelivery: 'at-most-once'`. */
  atMostOnce: boolean;
}

/**
 * What becomes of a call that was not delivered, by the one rule of `delivery/verdicts.ts`: kept in
 * the queue (`queued`, or `dropped` when it is full), set aside as a dead letter (ambiguous or
 * refused for good), or reported (`rejected`, `failed`). Its idempotency key is released whenever
 * the operation was neither delivered nor kept, so the caller may try again.
 */
export class Fallback {
  readonly #d: FallbackDeps;

  constructor(deps: FallbackDeps) {
    this.#d = deps;
  }

  async route(
    operation: string,
    storeKey: string | undefined,
    error: CioError,
    attempts: number,
    ctx: CallFacts,
  ): Promise<Pick<CioResult, 'status' | 'attempts' | 'error' | 'maybeQueued'>> {
    const release = (): Promise<void> => this.#d.guard.release(storeKey);
    let entry: QueueEntry | undefined;
    try {
      entry = ctx.storable && this.#d.queue ? this.#entry(operation, ctx.reportedKey, ctx.storable, ctx.eventId, error, ctx.madeAt ?? Date.now()) : undefined;
    } catch {
      // Arguments that cannot be stored as JSON (a custom operation's) cannot be queued.
      entry = undefined;
    }
    const durable = this.#d.queue !== undefined && this.#d.queue.durable !== false;
    const route = routeFailure(error, {
      repeatable: ctx.repeatable,
      atMostOnce: this.#d.atMostOnce,
      keepable: durable && entry !== undefined,
    });
    if (route === 'ambiguous') {
      const amb = new CioError('AMBIGUOUS', `${operation} may or may not have been delivered (${error.message}); not retried, kept as a dead letter`, false, {
        status: error.status,
        maybeDelivered: true,
      });
      if (entry) {
        await this.deadLetter(entry, amb);
        ctx.trace?.event('customerio.dead_lettered', { 'error.type': amb.code });
      }
      this.#d.logger.warn({ operation, idempotencyKey: ctx.reportedKey, code: 'AMBIGUOUS' }, 'customerio-resilience: ambiguous failure');
      return { status: 'failed', attempts, error: amb };
    }
    if (route === 'refused') {
      await release();
      const permanentAnswer = error.code === 'PERMANENT' || error.code === 'INVALID_INPUT';
      if (entry && error.code === 'PERMANENT') {
        await this.deadLetter(entry, error);
        ctx.trace?.event('customerio.dead_lettered', { 'error.type': error.code });
      }
      this.#d.logger.warn({ operation, idempotencyKey: ctx.reportedKey, code: error.code, status: error.status }, `customerio-resilience: ${operation} not delivered: ${error.message}`);
      return { status: permanentAnswer ? 'rejected' : 'failed', attempts, error };
    }
    if (entry && this.#d.queue) {
      let outcome: 'queued' | 'dropped';
      try {
        outcome = await this.#d.queue.push(entry);
      } catch (err) {
        const text = this.#d.redact(String(err)).slice(0, 300);
        this.#d.logger.error({ operation, err: text }, 'customerio-resilience: the queue store failed');
        if ((err as { maybeQueued?: unknown } | null)?.maybeQueued === true) {
          // The write went out unconfirmed: it may be stored, and then it will be delivered, so
          // the caller must not be told it failed (it would send it again).
          this.#d.replayer?.kick();
          ctx.trace?.event('customerio.queued', { 'error.type': error.code, 'customerio.queue.confirmed': false });
          const unsure = new CioError('QUEUE_UNAVAILABLE', `${operation} was not delivered now and the queue store did not confirm keeping it; it may be queued`, true);
          return { status: 'queued', attempts, error: unsure, maybeQueued: true };
        }
        await release();
        const refused = new CioError('QUEUE_UNAVAILABLE', `${operation} was not delivered (${error.code}) and the queue store could not keep it; nothing was stored`, true, { maybeDelivered: error.maybeDelivered });
        return { status: 'failed', attempts, error: refused };
      }
      this.#bumpStats(outcome === 'queued' ? { depth: 1 } : { dropped: 1 });
      if (outcome === 'queued') {
        if (ctx.ordered) this.#d.order.countQueued(entry.personKey, 1);
        this.#d.emitter.emit('queued', { operation, idempotencyKey: ctx.reportedKey, error });
        ctx.trace?.event('customerio.queued', { 'error.type': error.code });
        this.#d.replayer?.kick();
        return { status: 'queued', attempts, error };
      }
      await release();
      this.#d.emitter.emit('dropped', { operation, idempotencyKey: ctx.reportedKey });
      ctx.trace?.event('customerio.dropped', { 'error.type': error.code });
      this.#d.logger.warn({ operation, idempotencyKey: ctx.reportedKey }, 'customerio-resilience: queue full, operation dropped');
      return { status: 'dropped', attempts, error: new CioError('QUEUE_FULL', `${operation} was not delivered (${error.code}) and the queue is full; it was dropped`, false) };
    }
    await release();
    return { status: 'failed', attempts, error };
  }

  #entry(operation: string, key: string, s: NonNullable<CallFacts['storable']>, eventId: string | undefined, error: CioError, madeAt: number): QueueEntry {
    const spec = s.builtIn ? specOf(operation) : undefined;
    const args = spec ? spec.stored(s.args, madeAt) : (JSON.parse(JSON.stringify(s.args)) as unknown[]);
    return {
      id: newEventId(),
      operation,
      args,
      idempotencyKey: key,
      personKey: s.personKey,
      enqueuedAt: madeAt, // replays carry the time the app made the call, so a late one cannot overwrite newer data
      attempts: 0,
      ...(eventId ? { eventId } : {}),
      lastError: `${error.code}: ${error.message}`.slice(0, 500),
    };
  }

  async deadLetter(entry: QueueEntry, error: CioError): Promise<void> {
    try {
      await this.#d.queue?.addDeadLetter(entry, `${error.code}: ${error.message}`.slice(0, 500));
      this.#bumpStats({ deadLetters: 1 });
      this.#d.emitter.emit('deadLettered', { operation: entry.operation, idempotencyKey: entry.idempotencyKey, error });
    } catch (err) {
      this.#d.logger.error({ operation: entry.operation, err: this.#d.redact(String(err)) }, 'customerio-resilience: could not keep a dead letter');
    }
  }

  /**
   * Updates the queue figures at once (health() is read synchronously) and has the store's own
   * figures read again in the background.
   */
  #bumpStats(change: { depth?: number; dropped?: number; deadLetters?: number }): void {
    // While a read of the store's figures is under way it may or may not include this change (the
    // store confirmed it before): adding it too could count it twice, so the read after it tells.
    if (!this.#d.replayer?.refreshing) this.#d.figures.bump(change);
    this.#d.replayer?.refreshSoon();
  }
}
