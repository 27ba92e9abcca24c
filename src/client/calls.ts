import type { BatchedOutcome } from '../delivery/batcher.js';
import { CioClosedError, CioError } from '../errors/CioError.js';
import { beforeDeadline } from '../policies/deadline.js';
import type { Redactor } from '../policies/redact.js';
import type { Trace } from '../telemetry/tracing.js';
import type { RunResult } from './CioClient.js';
import type { CioEvents, TypedEmitter } from './events.js';
import type { CallFacts, Fallback } from './fallback.js';
import type { IdempotencyGuard } from './guard.js';
import type { KeepAlive } from './keepAlive.js';
import type { CioLogger } from './logger.js';
import type { ApiName, CioResult } from './types.js';
import { specOf } from '../operations/table.js';
import { isAppRead } from '../operations/reads.js';

/**
 * Ends a call's span with its result. Not delivered and not kept (`failed`, `rejected`, `dropped`)
 * ends it in error; a queued call does not: it will be delivered.
 */
export function endCallTrace(trace: Trace, result: CioResult): void {
  const lost = result.status === 'failed' || result.status === 'rejected' || result.status === 'dropped';
  trace.end({ status: result.status, attempts: result.attempts, errorCode: lost ? (result.error?.code ?? 'UNKNOWN') : undefined });
}

/** A call under way, as close() sees it at its deadline. */
interface InFlight {
  readonly operation: string;
  readonly storeKey: string | undefined;
  readonly ctx: CallFacts;
  readonly base: ResultBase;
  readonly started: number;
  /** Settles the caller's promise (once: the first of the real outcome and close()'s decision wins). */
  settle(result: CioResult): void;
  /** Set once the outcome is being routed (queued, dead-lettered): close() leaves the call to finish. */
  routing: boolean;
  /** Set by close(): the real outcome, when it comes, changes nothing. */
  abandoned: boolean;
}

/** What a call's result is reported with besides the result: the call's span and the API it went to. */
export interface CallMark {
  trace?: Trace | undefined;
  /** The API whose policies the call ran under. @default its operation's (`track` for a custom one) */
  api?: ApiName | undefined;
}

/** The API an operation's calls go to: its own, `app` for a read, `track` for a custom operation. */
export function apiOf(operation: string): ApiName {
  return specOf(operation)?.api ?? (isAppRead(operation) ? 'app' : 'track');
}

/** The fields every result of a call starts with. */
export type ResultBase = { operation: string; idempotencyKey: string; eventId?: string };

/** What the calls under way work with. */
export interface CallsDeps {
  guard: IdempotencyGuard;
  fallback: Fallback;
  emitter: TypedEmitter<CioEvents>;
  logger: CioLogger;
  redact: Redactor;
  alive: KeepAlive;
}

/**
 * The calls under way: each goes through the idempotency guard (joining a call in flight with its
 * key, or reserving the key), then its send, then its outcome (`sent`, or what the fallback decides).
 * The caller's promise is settled by the outcome, or by close() at its deadline ({@link abandon}).
 * A call under way holds the process open. Never throws, never rejects.
 */
export class Calls {
  readonly #d: CallsDeps;
  /** Calls under way, by the promise their caller holds: what close() settles at its deadline. */
  readonly #pending = new Map<Promise<CioResult>, InFlight>();
  /** Set by close(): new calls fail with `CLOSED`. */
  closed = false;

  constructor(deps: CallsDeps) {
    this.#d = deps;
  }

  /**
   * Idempotency guard, then `send`, then what to do with a failure. A call with no key (`storeKey`
   * undefined) goes straight to `send`: it is never a repeat.
   */
  guarded(
    operation: string,
    storeKey: string | undefined,
    send: () => Promise<BatchedOutcome>,
    ctx: CallFacts,
  ): Promise<CioResult> {
    const base: ResultBase = ctx.eventId ? { operation, idempotencyKey: ctx.reportedKey, eventId: ctx.eventId } : { operation, idempotencyKey: ctx.reportedKey };
    const started = performance.now();
    if (this.closed) return Promise.resolve(this.finish({ ...base, status: 'failed', attempts: 0, error: new CioClosedError() }, started, ctx));
    if (storeKey !== undefined) {
      const running = this.#d.guard.running(storeKey);
      if (running) return running.then((first) => this.#joined(base, first, started, ctx));
    }
    const reserved = storeKey === undefined ? true : this.#d.guard.reserve(operation, storeKey, ctx.explicitKey);
    if (reserved === false) return Promise.resolve(this.finish({ ...base, status: 'duplicate', attempts: 0 }, started, ctx));
    // The caller's promise: the call's outcome, or what close() decides at its deadline.
    const { promise: result, resolve } = Promise.withResolvers<CioResult>();
    const call: InFlight = { operation, storeKey, ctx, base, started, settle: resolve, routing: false, abandoned: false };
    const done = (r: CioResult): void => {
      if (this.#pending.delete(result)) this.#d.alive.release();
      if (!call.abandoned) resolve(r);
    };
    const crashed = (err: unknown): void => done(this.crashed(base, started, err, ctx));
    const settled = (outcome: BatchedOutcome): void => {
      const r = this.#settled(call, outcome); // a result, or a promise of one while a failure is routed
      if (r instanceof Promise) void r.then(done);
      else done(r);
    };
    if (reserved === true) {
      // A store that answers at once (the in-memory one), or none: straight to `send`.
      try {
        send().then(settled, crashed);
      } catch (err) {
        return Promise.resolve(this.crashed(base, started, err, ctx));
      }
    } else {
      reserved
        .then((fresh) => (fresh ? send().then(settled) : done(this.finish({ ...base, status: 'duplicate', attempts: 0 }, started, ctx))))
        .catch(crashed);
    }
    if (storeKey !== undefined) this.#d.guard.track(storeKey, result);
    // A call under way holds the process open (an answered one needs no event loop).
    this.#pending.set(result, call);
    this.#d.alive.hold();
    return result;
  }

  /**
   * The result of a call that found another call with its key in flight: `duplicate` once that one
   * was sent or queued (sharing a `run()` value), else that one's failure, so the caller knows the
   * key's operation was not delivered and may try again.
   */
  #joined(base: ResultBase, first: RunResult<unknown>, started: number, call: CallMark): CioResult {
    const taken = first.status === 'sent' || first.status === 'queued' || first.status === 'duplicate';
    const result: RunResult<unknown> = taken
      ? { ...base, status: 'duplicate', attempts: 0 }
      : { ...base, status: first.status, attempts: 0, ...(first.error ? { error: first.error } : {}) };
    if ('value' in first) result.value = first.value;
    return this.finish(result, started, call);
  }

  /** What a send's outcome makes of a call: `sent`, or what `Fallback.route` decides. Never throws or rejects. */
  #settled(call: InFlight, outcome: BatchedOutcome): CioResult | Promise<CioResult> {
    const { operation, ctx, base, started } = call;
    if (call.abandoned) return { ...base, status: 'failed', attempts: outcome.attempts }; // close() answered already; nobody sees this
    call.routing = true;
    try {
      if (outcome.ok) {
        if (this.#d.emitter.listenerCount('sent') > 0) {
          this.#d.emitter.emit('sent', { operation, idempotencyKey: ctx.reportedKey, attempts: outcome.attempts, replayed: false });
        }
        const sent: RunResult<unknown> = { ...base, status: 'sent', attempts: outcome.attempts };
        if (ctx.keepValue && 'value' in outcome) sent.value = outcome.value;
        return this.finish(sent, started, ctx);
      }
      return this.#d.fallback.route(operation, call.storeKey, outcome.error, outcome.attempts, ctx).then(
        (result) => this.finish({ ...base, ...result }, started, ctx),
        (err: unknown) => this.crashed(base, started, err, ctx),
      );
    } catch (err) {
      return this.crashed(base, started, err, ctx);
    }
  }

  /** The `failed` result of a call that threw where nothing should. */
  crashed(base: ResultBase, started: number, err: unknown, call?: CallMark): CioResult {
    let error: CioError;
    if (err instanceof CioError) error = err;
    else {
      let text: string;
      try {
        text = this.#d.redact(String(err)).slice(0, 300);
      } catch {
        text = 'an error that cannot be shown'; // its toString threw
      }
      error = new CioError('UNKNOWN', text, false);
    }
    return this.finish({ ...base, status: 'failed', attempts: 0, error }, started, call);
  }

  /** Reports a call's result (log, `result` event, the end of its span) and returns it. */
  finish(result: CioResult, started: number = performance.now(), call?: CallMark): CioResult {
    try {
      if (result.status !== 'sent' && result.status !== 'duplicate') {
        this.#d.logger.debug({ operation: result.operation, status: result.status, code: result.error?.code }, 'customerio-resilience: call finished');
      }
    } catch {
      /* a logger that throws must not break the call */
    }
    if (this.#d.emitter.listenerCount('result') > 0) {
      this.#d.emitter.emit('result', { ...result, durationMs: performance.now() - started, api: call?.api ?? apiOf(result.operation) });
    }
    if (call?.trace) endCallTrace(call.trace, result);
    return result;
  }

  /**
   * At close()'s deadline, answers every call still waiting for Customer.io (a hang, a long
   * Retry-After, a full rate limit): kept in the queue when it is durable and a repeat is harmless
   * (its replay is de-duplicated by its event id), else `failed` with `AMBIGUOUS`, since the request
   * may have reached Customer.io. Calls already being routed finish on their own (within the
   * stores' timeouts). Resolves how many were kept.
   */
  async abandon(): Promise<number> {
    let kept = 0;
    const routing: Promise<unknown>[] = [];
    const answers: Promise<void>[] = [];
    for (const [promise, call] of this.#pending) {
      if (call.routing) {
        routing.push(promise);
        continue;
      }
      call.abandoned = true;
      this.#pending.delete(promise);
      this.#d.alive.release();
      const error = new CioError('CLOSED', `the client closed while ${call.operation} was in flight; it may or may not have been delivered`, true, { maybeDelivered: true });
      answers.push(
        this.#d.fallback.route(call.operation, call.storeKey, error, 0, call.ctx).then(
          (r) => {
            if (r.status === 'queued') kept++;
            call.settle(this.finish({ ...call.base, ...r }, call.started, call.ctx));
          },
          (err: unknown) => call.settle(this.crashed(call.base, call.started, err, call.ctx)),
        ),
      );
    }
    await Promise.all(answers);
    if (routing.length > 0) await Promise.allSettled(routing);
    return kept;
  }

  /** Waits for in-flight calls, at most `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    if (this.#pending.size > 0) await beforeDeadline(Promise.allSettled([...this.#pending.keys()]), Date.now() + timeoutMs);
  }
}
