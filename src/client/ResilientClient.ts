import { APIClient, RegionEU, RegionUS, TrackClient } from 'customerio-node';
import { Batcher, type BatchedOutcome } from '../delivery/batcher.js';
import { Replayer, type RegisteredReplay, type ReplayHandler } from '../delivery/replayer.js';
import { CioClosedError, CioError, CioValidationError } from '../errors/CioError.js';
import { newEventId } from '../idempotency/eventId.js';
import type { OperationSpec, SdkClients } from '../operations/spec.js';
import { OPERATIONS, specOf } from '../operations/table.js';
import type { CioData, CioEventData, IdentifierType, OperationName, TransactionalRequest } from '../operations/types.js';
import { validateCall } from '../operations/validateCall.js';
import { beforeDeadline } from '../policies/deadline.js';
import { Pipeline } from '../policies/pipeline.js';
import { createRedactor, credentialSecrets, type Redactor } from '../policies/redact.js';
import type { DeadLetter, QueueStore } from '../queue/store.js';
import { memoryQueue } from '../stores/memory/memoryQueue.js';
import { lruIdempotencyStore } from '../stores/memory/lruIdempotencyStore.js';
import { describeType } from '../internal/describe.js';
import type {
  MetricRequestData,
  PushRequestData,
  SendEmailRequest,
  SendInAppRequest,
  SendInboxMessageRequest,
  SendPushRequest,
  SendSMSRequest,
  SendWhatsAppRequest,
} from 'customerio-node';
import type { CioClient, RunCallOptions, RunResult } from './CioClient.js';
import { TypedEmitter, type CioEvents, type Unsubscribe } from './events.js';
import { IdempotencyGuard, callerStoreKey, checkCallerKey } from './guard.js';
import { KeepAlive } from './keepAlive.js';
import { normalizeOptions, type CioClientOptions } from './options.js';
import { Fallback, type CallFacts } from './fallback.js';
import { PersonOrder } from './personOrder.js';
import { QueueFigures } from './queueFigures.js';
import { guardRedirects } from './redirects.js';
import type { CallOptions, CioHealth, CioResult, DrainOptions, FlushResult } from './types.js';

/** The outcome of an ordered update made while an earlier one of its person waits in the queue (built once, no stack). */
const QUEUED_BEHIND: BatchedOutcome = (() => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const error = new CioError('QUEUED_BEHIND', 'an earlier update of this person is still queued; this one was queued behind it, nothing was sent now', true, { maybeDelivered: false });
    return Object.freeze({ ok: false as const, attempts: 0, error });
  } finally {
    Error.stackTraceLimit = limit;
  }
})();
const queuedBehind = (): Promise<BatchedOutcome> => Promise.resolve(QUEUED_BEHIND);

/** Reads a call's optional `CallOptions`; a malformed one is a validation error. */
function readOptions(operation: string, arity: number, last: unknown): CallOptions | CioValidationError {
  const options: CallOptions = {};
  if (last === undefined) return options;
  if (typeof last !== 'object' || last === null || Array.isArray(last)) {
    return new CioValidationError('options', `${operation}: the call options (argument ${arity + 1}) must be an object such as { idempotencyKey }, got ${describeType(last)}`);
  }
  let given: { idempotencyKey?: unknown; batch?: unknown };
  try {
    given = { idempotencyKey: (last as CallOptions).idempotencyKey, batch: (last as CallOptions).batch };
  } catch {
    return new CioValidationError('options', `${operation}: the call options could not be read`);
  }
  const invalid = checkCallerKey(operation, 'options.idempotencyKey', given.idempotencyKey);
  if (invalid) return invalid;
  if (given.idempotencyKey !== undefined) options.idempotencyKey = given.idempotencyKey as string;
  if (given.batch !== undefined) {
    if (typeof given.batch !== 'boolean') {
      return new CioValidationError('options.batch', `${operation}: options.batch must be a boolean, got ${describeType(given.batch)}`);
    }
    if (given.batch) options.batch = true;
  }
  return options;
}

/** One call of an operation, as the request scope (or any other internal caller) hands it in. */
export interface Submission {
  readonly operation: OperationName;
  /** The operation's arguments (a copy the caller will not change). */
  readonly args: unknown[];
  /** A key the caller gives (validated here), or `undefined`. */
  readonly idempotencyKey: string | undefined;
  /** Whether it may wait for a batch. */
  readonly batch: boolean;
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

/** The fields every result of a call starts with. */
type ResultBase = { operation: string; idempotencyKey: string; eventId?: string };

/**
 * The resilient client. Each operation is a method that reads its options and hands the call to
 * {@link ResilientClient.submit}; from there a call reads top to bottom: validation, keys, event id,
 * the idempotency guard, the person's order, the send (alone through the policies, or in a batch),
 * and what a failure becomes (queued, dead-lettered, rejected, failed).
 */
export class ResilientClient implements CioClient {
  readonly logger;
  readonly #redact: Redactor;
  readonly #sdk: SdkClients;
  readonly #pipeline: Pipeline;
  readonly #emitter: TypedEmitter<CioEvents>;
  readonly #guard: IdempotencyGuard;
  readonly #queue: QueueStore | undefined;
  readonly #replayer: Replayer | undefined;
  readonly #batcher: Batcher | undefined;
  /** Calls under way, by the promise their caller holds: what close() settles at its deadline. */
  readonly #pending = new Map<Promise<CioResult>, InFlight>();
  readonly #replays = new Map<string, RegisteredReplay>();
  readonly #order = new PersonOrder();
  readonly #figures = new QueueFigures();
  readonly #fallback: Fallback;
  /** Holds the process open while a call, a flush or a close is pending. */
  readonly #alive = new KeepAlive();
  #closed = false;
  #closing: Promise<FlushResult> | undefined;

  constructor(input: CioClientOptions) {
    const o = normalizeOptions(input);
    this.logger = o.logger;
    this.#redact = createRedactor(credentialSecrets(o.siteId, o.apiKey, o.appApiKey));
    this.#emitter = new TypedEmitter<CioEvents>((err, event) =>
      o.logger.warn({ event: String(event), err: this.#redact(String(err)) }, 'customerio-resilience: an event listener threw'),
    );
    const region = o.region === 'eu' ? RegionEU : RegionUS;
    const sdkDefaults = {
      region,
      timeout: o.timeoutMs,
      retry: { maxRetries: 0 },
      ...(o.dispatcher ? { dispatcher: o.dispatcher as never } : {}),
      ...(o.headers ? { headers: o.headers } : {}),
    };
    this.#sdk = {
      track: new TrackClient(o.siteId, o.apiKey, { ...sdkDefaults, ...(o.trackUrl ? { url: o.trackUrl } : {}) }),
      app: o.appApiKey ? new APIClient(o.appApiKey, { ...sdkDefaults, ...(o.appUrl ? { url: o.appUrl } : {}) }) : undefined,
    };
    guardRedirects(this.#sdk.track);
    if (this.#sdk.app) guardRedirects(this.#sdk.app);
    this.#pipeline = new Pipeline(o, this.#redact, {
      onStateChange: (state, error) => this.#onCircuitState(state, error),
    });
    const store = o.idempotency ? (o.idempotency.store ?? lruIdempotencyStore({ max: o.idempotency.max })) : undefined;
    this.#guard = new IdempotencyGuard(store, o.idempotency || undefined, (operation, err) => {
      this.logger.warn({ operation, err: this.#redact(String(err)) }, 'customerio-resilience: idempotency store failed; sending anyway');
    });
    this.#queue = o.queue === false ? undefined : (o.queue ?? memoryQueue());
    if (this.#queue) {
      this.#replayer = new Replayer({
        store: this.#queue,
        pipeline: this.#pipeline,
        sdk: this.#sdk,
        options: o,
        replays: this.#replays,
        redact: this.#redact,
        onStats: (stats) => this.#figures.set(stats),
        onSent: (entries, attempts) => {
          if (this.#emitter.listenerCount('sent') === 0) return;
          for (const e of entries) this.#emitter.emit('sent', { operation: e.operation, idempotencyKey: e.idempotencyKey, attempts, replayed: true });
        },
        onDeadLettered: (e, error) => this.#emitter.emit('deadLettered', { operation: e.operation, idempotencyKey: e.idempotencyKey, error }),
        onLeft: (entries) => {
          for (const e of entries) if (specOf(e.operation)?.ordered) this.#order.countQueued(e.personKey, -1);
        },
      });
      if (o.drain.enabled) this.#replayer.start();
      this.#replayer.refreshSoon(); // a durable store may hold a backlog from an earlier run
    }
    if (o.batch) {
      // A batch is one request: one token of the rate limit, one result for the breaker. Over the
      // rate or with the circuit open its calls go to the queue, as single calls do.
      this.#batcher = new Batcher(
        (ops) => this.#pipeline.run(() => this.#sdk.track.batch(ops), { repeatable: true, canDefer: this.#queue !== undefined }),
        o.batch,
      );
    }
    this.#fallback = new Fallback({
      queue: this.#queue,
      replayer: this.#replayer,
      guard: this.#guard,
      order: this.#order,
      figures: this.#figures,
      emitter: this.#emitter,
      logger: this.logger,
      redact: this.#redact,
      atMostOnce: o.nonIdempotentDelivery === 'at-most-once',
    });
  }

  identify(customerId: string | number, data?: CioData, options?: CallOptions): Promise<CioResult> {
    return this.#call('identify', [customerId, data], options);
  }

  track(customerId: string | number, data: CioEventData, options?: CallOptions): Promise<CioResult> {
    return this.#call('track', [customerId, data], options);
  }

  trackAnonymous(anonymousId: string | number, data: CioEventData, options?: CallOptions): Promise<CioResult> {
    return this.#call('trackAnonymous', [anonymousId, data], options);
  }

  trackPageView(customerId: string | number, path: string, options?: CallOptions): Promise<CioResult> {
    return this.#call('trackPageView', [customerId, path], options);
  }

  destroy(customerId: string | number, options?: CallOptions): Promise<CioResult> {
    return this.#call('destroy', [customerId], options);
  }

  suppress(customerId: string | number, options?: CallOptions): Promise<CioResult> {
    return this.#call('suppress', [customerId], options);
  }

  unsuppress(customerId: string | number, options?: CallOptions): Promise<CioResult> {
    return this.#call('unsuppress', [customerId], options);
  }

  addDevice(customerId: string | number, deviceId: string, platform: string, data?: CioData, options?: CallOptions): Promise<CioResult> {
    return this.#call('addDevice', [customerId, deviceId, platform, data], options);
  }

  deleteDevice(customerId: string | number, deviceToken: string | number, options?: CallOptions): Promise<CioResult> {
    return this.#call('deleteDevice', [customerId, deviceToken], options);
  }

  mergeCustomers(
    primaryIdType: IdentifierType,
    primaryId: string | number,
    secondaryIdType: IdentifierType,
    secondaryId: string | number,
    options?: CallOptions,
  ): Promise<CioResult> {
    return this.#call('mergeCustomers', [primaryIdType, primaryId, secondaryIdType, secondaryId], options);
  }

  trackPush(data: PushRequestData, options?: CallOptions): Promise<CioResult> {
    return this.#call('trackPush', [data], options);
  }

  reportMetric(data: MetricRequestData, options?: CallOptions): Promise<CioResult> {
    return this.#call('reportMetric', [data], options);
  }

  submitForm(formId: string | number, data: CioData, options?: CallOptions): Promise<CioResult> {
    return this.#call('submitForm', [formId, data], options);
  }

  unsubscribe(deliveryId: string | number, unsubscribe?: boolean, options?: CallOptions): Promise<CioResult> {
    return this.#call('unsubscribe', [deliveryId, unsubscribe], options);
  }

  addCustomersToSegment(segmentId: string | number, customerIds: Array<string | number>, idType?: IdentifierType, options?: CallOptions): Promise<CioResult> {
    return this.#call('addCustomersToSegment', [segmentId, customerIds, idType], options);
  }

  removeCustomersFromSegment(segmentId: string | number, customerIds: Array<string | number>, idType?: IdentifierType, options?: CallOptions): Promise<CioResult> {
    return this.#call('removeCustomersFromSegment', [segmentId, customerIds, idType], options);
  }

  entity(operation: CioData, options?: CallOptions): Promise<CioResult> {
    return this.#call('entity', [operation], options);
  }

  sendEmail(request: TransactionalRequest<SendEmailRequest>, options?: CallOptions): Promise<CioResult> {
    return this.#call('sendEmail', [request], options);
  }

  sendPush(request: TransactionalRequest<SendPushRequest>, options?: CallOptions): Promise<CioResult> {
    return this.#call('sendPush', [request], options);
  }

  sendSMS(request: TransactionalRequest<SendSMSRequest>, options?: CallOptions): Promise<CioResult> {
    return this.#call('sendSMS', [request], options);
  }

  sendWhatsApp(request: TransactionalRequest<SendWhatsAppRequest>, options?: CallOptions): Promise<CioResult> {
    return this.#call('sendWhatsApp', [request], options);
  }

  sendInboxMessage(request: TransactionalRequest<SendInboxMessageRequest>, options?: CallOptions): Promise<CioResult> {
    return this.#call('sendInboxMessage', [request], options);
  }

  sendInApp(request: TransactionalRequest<SendInAppRequest>, options?: CallOptions): Promise<CioResult> {
    return this.#call('sendInApp', [request], options);
  }

  triggerBroadcast(broadcastId: string | number, data?: CioData, recipients?: CioData, options?: CallOptions): Promise<CioResult> {
    return this.#call('triggerBroadcast', [broadcastId, data, recipients], options);
  }

  /** An operation called through its method: its options are read, then it is {@link submit}ted. */
  #call(operation: OperationName, args: unknown[], rawOptions: unknown): Promise<CioResult> {
    let options: CallOptions | CioValidationError;
    try {
      options = readOptions(operation, args.length, rawOptions);
    } catch {
      // Call options that are not an object one can read (a revoked Proxy, say).
      options = new CioValidationError('options', `${operation}: the call options could not be read`);
    }
    if (options instanceof CioValidationError) return Promise.resolve(this.#finish({ status: 'rejected', operation, idempotencyKey: '', attempts: 0, error: options }));
    return this.submit({ operation, args, idempotencyKey: options.idempotencyKey, batch: options.batch === true });
  }

  /** Whether `client` is a client made by `createCioClient` (not a wrapper or a Proxy of one): it takes {@link submit}. */
  static owns(client: unknown): client is ResilientClient {
    return typeof client === 'object' && client !== null && #alive in client;
  }

  get closed(): boolean {
    return this.#closed;
  }

  on<K extends keyof CioEvents>(event: K, listener: (payload: CioEvents[K]) => void): Unsubscribe {
    return this.#emitter.on(event, listener);
  }

  once<K extends keyof CioEvents>(event: K, listener: (payload: CioEvents[K]) => void): Unsubscribe {
    return this.#emitter.once(event, listener);
  }

  off<K extends keyof CioEvents>(event: K, listener: (payload: CioEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  health(): CioHealth {
    const state = this.#pipeline.circuitState;
    const q = this.#figures.stats;
    const last = this.#pipeline.lastFailure;
    const status = state === 'OPEN' || state === 'ISOLATED' ? 'fail' : state === 'HALF_OPEN' || q.depth > 0 ? 'warn' : 'pass';
    return {
      status,
      circuit_state: state,
      failure_count: this.#pipeline.failureCount,
      last_failure: last === null ? null : new Date(last).toISOString(),
      queue: {
        store: this.#queue?.name ?? 'none',
        depth: q.depth,
        oldest_age_ms: this.#figures.oldestAge(),
        dropped: q.dropped,
        dead_letter: q.deadLetters,
      },
    };
  }

  isolate(): { dispose(): void } {
    return this.#pipeline.isolate();
  }

  registerReplay(operation: string, handler: ReplayHandler, options: { repeatable?: boolean } = {}): void {
    if (typeof operation !== 'string' || operation === '') throw new TypeError(`registerReplay: operation must be a non-empty string, got ${describeType(operation)}`);
    if (specOf(operation)) throw new RangeError(`registerReplay: '${operation}' is a built-in operation and cannot be replaced`);
    if (typeof handler !== 'function') throw new TypeError(`registerReplay: handler must be a function, got ${describeType(handler)}`);
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new TypeError(`registerReplay: options must be an object such as { repeatable: false }, got ${describeType(options)}`);
    }
    if (options.repeatable !== undefined && typeof options.repeatable !== 'boolean') {
      throw new TypeError(`registerReplay: repeatable must be a boolean, got ${describeType(options.repeatable)}`);
    }
    this.#replays.set(operation, { handler, repeatable: options.repeatable ?? true });
    this.#replayer?.kick();
  }

  async deadLetters(limit?: number): Promise<DeadLetter[]> {
    return this.#queue ? this.#queue.listDeadLetters(limit) : [];
  }

  async redrive(ids?: readonly string[]): Promise<number> {
    if (!this.#queue) return 0;
    const moved = await this.#queue.redrive(ids);
    await this.#replayer?.refreshStats();
    this.#replayer?.kick();
    return moved;
  }

  flush(options: DrainOptions = {}): Promise<FlushResult> {
    return this.#alive.during(this.#flush(options));
  }

  async #flush(options: DrainOptions): Promise<FlushResult> {
    const timeoutMs = checkTimeout('flush', options);
    if (this.#closing) return this.#closing; // close() flushes, then the stores are gone
    const relax = this.#batcher?.hurry();
    // One deadline for both steps: waiting for the calls under way, then replaying the queue.
    const deadline = Date.now() + timeoutMs;
    try {
      await this.#settle(timeoutMs);
      if (!this.#replayer) return { delivered: 0, remaining: 0 };
      return await this.#replayer.flush(Math.max(0, deadline - Date.now()));
    } finally {
      relax?.();
    }
  }

  close(options: DrainOptions = {}): Promise<FlushResult> {
    if (this.#closing) return this.#closing;
    let timeoutMs: number;
    try {
      timeoutMs = checkTimeout('close', options);
    } catch (err) {
      return Promise.reject(err); // as flush() does: a promise API reports bad options by rejecting
    }
    this.#closed = true;
    this.#closing = this.#alive.during(this.#shutdown(Date.now() + timeoutMs));
    return this.#closing;
  }

  /**
   * Graceful shutdown by `deadline`: finish the calls under way and replay the queue while there is
   * time; then settle every call still under way (kept in a durable queue, or reported as possibly
   * delivered), stop the policies and close the stores.
   */
  async #shutdown(deadline: number): Promise<FlushResult> {
    this.#batcher?.hurry(); // for good: nothing waits for a later batch once closing
    await this.#settle(deadline - Date.now());
    let result: FlushResult = { delivered: 0, remaining: 0 };
    if (this.#replayer) {
      try {
        result = await this.#replayer.flush(Math.max(0, deadline - Date.now()));
      } catch (err) {
        this.logger.error({ err: this.#redact(String(err)) }, 'customerio-resilience: draining the queue on close failed');
      }
      await this.#replayer.stop(deadline);
    }
    const kept = await this.#abandonInFlight();
    this.#pipeline.close();
    try {
      await this.#queue?.close();
      // The client owns the stores it was given: closing it releases their connections too.
      await this.#guard.close();
    } catch (err) {
      this.logger.warn({ err: this.#redact(String(err)) }, 'customerio-resilience: closing a store failed');
    }
    this.#emitter.clear();
    this.#alive.close();
    return { delivered: result.delivered, remaining: result.remaining + kept };
  }

  /**
   * At close()'s deadline, answers every call still waiting for Customer.io (a hang, a long
   * Retry-After, a full rate limit): kept in the queue when it is durable and a repeat is harmless
   * (its replay is de-duplicated by its event id), else `failed` with `AMBIGUOUS`, since the request
   * may have reached Customer.io. Calls already being routed finish on their own (within the
   * stores' timeouts). Resolves how many were kept.
   */
  async #abandonInFlight(): Promise<number> {
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
      this.#alive.release();
      const error = new CioError('CLOSED', `the client closed while ${call.operation} was in flight; it may or may not have been delivered`, true, { maybeDelivered: true });
      answers.push(
        this.#fallback.route(call.operation, call.storeKey, error, 0, call.ctx).then(
          (r) => {
            if (r.status === 'queued') kept++;
            call.settle(this.#finish({ ...call.base, ...r }, call.started));
          },
          (err: unknown) => call.settle(this.#crashed(call.base, call.started, err)),
        ),
      );
    }
    await Promise.all(answers);
    if (routing.length > 0) await Promise.allSettled(routing);
    return kept;
  }

  run<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, options: RunCallOptions = {}): Promise<RunResult<T>> {
    const name = String(operation);
    const given = options.idempotencyKey;
    const invalid = checkCallerKey(`run(${name})`, 'idempotencyKey', given);
    if (invalid) return Promise.resolve(this.#finish({ status: 'rejected', operation: name, idempotencyKey: '', attempts: 0, error: invalid }));
    const queue = options.queue === true && this.#queue !== undefined;
    const repeatable = options.repeatable ?? true;
    // Only a key the caller gives marks a repeat: without one, every run runs.
    const result = this.#guarded(
      name,
      given === undefined ? undefined : callerStoreKey(name, given),
      () =>
        this.#pipeline.run(fn, {
          repeatable,
          canDefer: queue,
          onRetry: this.#retryListener(name, given ?? ''),
        }),
      {
        storable: queue ? { args: [...(options.args ?? [])], personKey: '', builtIn: false } : undefined,
        repeatable,
        reportedKey: given ?? '',
        explicitKey: true,
        keepValue: true,
      },
    );
    return result as Promise<RunResult<T>>;
  }

  /**
   * One Customer.io operation, end to end: the internal entry point of every operation method and of
   * the request scope. Never rejects, never throws.
   */
  submit({ operation, args, idempotencyKey, batch }: Submission): Promise<CioResult> {
    try {
      const spec = OPERATIONS[operation] as OperationSpec;
      const invalid = checkCallerKey(operation, 'options.idempotencyKey', idempotencyKey) ?? validateCall(operation, args);
      if (invalid) {
        return Promise.resolve(this.#finish({ status: 'rejected', operation, idempotencyKey: idempotencyKey ?? '', attempts: 0, error: invalid }));
      }
      const { reportedKey, storeKey } = this.#guard.keyOf(operation, idempotencyKey, args);
      let sendArgs: unknown[] = args;
      let eventId: string | undefined;
      if (spec.withEventId) {
        const withId = spec.withEventId(args, newEventId());
        sendArgs = withId.args;
        eventId = withId.id;
      }
      const single = () =>
        this.#pipeline.run(() => spec.invoke(this.#sdk, sendArgs), {
          repeatable: spec.repeatable,
          // Over the rate, a call goes to the queue (sent later in a batch) if there is one; else it waits.
          canDefer: this.#queue !== undefined,
          onRetry: this.#retryListener(operation, reportedKey),
        });
      const madeAt = Date.now();
      // A live identify carries no timestamp (as on its v1 route): Customer.io orders it by arrival.
      const op = batch && this.#batcher ? spec.batch?.(sendArgs, spec.ordered ? undefined : madeAt) : undefined;
      const batcher = op ? this.#batcher : undefined;
      const direct = batcher ? () => batcher.add(op!, single) ?? single() : single;
      const personKey = spec.personKey(args);
      const ordered = spec.ordered && personKey !== '';
      const send = !ordered ? direct : this.#order.hasQueued(personKey) ? queuedBehind : this.#order.after(personKey, direct, batcher);
      return this.#guarded(operation, storeKey, send, {
        ordered,
        storable: { args: sendArgs, personKey, builtIn: true },
        repeatable: spec.repeatable,
        reportedKey,
        explicitKey: idempotencyKey !== undefined,
        eventId,
        madeAt,
      });
    } catch (err) {
      return Promise.resolve(this.#crashed({ operation, idempotencyKey: '' }, performance.now(), err));
    }
  }

  /**
   * Idempotency guard, then `send`, then what to do with a failure. A call with no key (`storeKey`
   * undefined) goes straight to `send`: it is never a repeat.
   */
  #guarded(
    operation: string,
    storeKey: string | undefined,
    send: () => Promise<BatchedOutcome>,
    ctx: CallFacts,
  ): Promise<CioResult> {
    const base: ResultBase = ctx.eventId ? { operation, idempotencyKey: ctx.reportedKey, eventId: ctx.eventId } : { operation, idempotencyKey: ctx.reportedKey };
    const started = performance.now();
    if (this.#closed) return Promise.resolve(this.#finish({ ...base, status: 'failed', attempts: 0, error: new CioClosedError() }));
    if (storeKey !== undefined) {
      const running = this.#guard.running(storeKey);
      if (running) return running.then((first) => this.#joined(base, first, started));
    }
    const reserved = storeKey === undefined ? true : this.#guard.reserve(operation, storeKey, ctx.explicitKey);
    if (reserved === false) return Promise.resolve(this.#finish({ ...base, status: 'duplicate', attempts: 0 }, started));
    // The caller's promise: the call's outcome, or what close() decides at its deadline.
    const { promise: result, resolve } = Promise.withResolvers<CioResult>();
    const call: InFlight = { operation, storeKey, ctx, base, started, settle: resolve, routing: false, abandoned: false };
    const done = (r: CioResult): void => {
      if (this.#pending.delete(result)) this.#alive.release();
      if (!call.abandoned) resolve(r);
    };
    const crashed = (err: unknown): void => done(this.#crashed(base, started, err));
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
        return Promise.resolve(this.#crashed(base, started, err));
      }
    } else {
      reserved
        .then((fresh) => (fresh ? send().then(settled) : done(this.#finish({ ...base, status: 'duplicate', attempts: 0 }, started))))
        .catch(crashed);
    }
    if (storeKey !== undefined) this.#guard.track(storeKey, result);
    // A call under way holds the process open (an answered one needs no event loop).
    this.#pending.set(result, call);
    this.#alive.hold();
    return result;
  }

  /**
   * The result of a call that found another call with its key in flight: `duplicate` once that one
   * was sent or queued (sharing a `run()` value), else that one's failure, so the caller knows the
   * key's operation was not delivered and may try again.
   */
  #joined(base: ResultBase, first: RunResult<unknown>, started: number): CioResult {
    const taken = first.status === 'sent' || first.status === 'queued' || first.status === 'duplicate';
    const result: RunResult<unknown> = taken
      ? { ...base, status: 'duplicate', attempts: 0 }
      : { ...base, status: first.status, attempts: 0, ...(first.error ? { error: first.error } : {}) };
    if ('value' in first) result.value = first.value;
    return this.#finish(result, started);
  }

  /** What a send's outcome makes of a call: `sent`, or what `Fallback.route` decides. Never throws or rejects. */
  #settled(call: InFlight, outcome: BatchedOutcome): CioResult | Promise<CioResult> {
    const { operation, ctx, base, started } = call;
    if (call.abandoned) return { ...base, status: 'failed', attempts: outcome.attempts }; // close() answered already; nobody sees this
    call.routing = true;
    try {
      if (outcome.ok) {
        if (this.#emitter.listenerCount('sent') > 0) {
          this.#emitter.emit('sent', { operation, idempotencyKey: ctx.reportedKey, attempts: outcome.attempts, replayed: false });
        }
        const sent: RunResult<unknown> = { ...base, status: 'sent', attempts: outcome.attempts };
        if (ctx.keepValue && 'value' in outcome) sent.value = outcome.value;
        return this.#finish(sent, started);
      }
      return this.#fallback.route(operation, call.storeKey, outcome.error, outcome.attempts, ctx).then(
        (result) => this.#finish({ ...base, ...result }, started),
        (err: unknown) => this.#crashed(base, started, err),
      );
    } catch (err) {
      return this.#crashed(base, started, err);
    }
  }

  /** The `failed` result of a call that threw where nothing should. */
  #crashed(base: ResultBase, started: number, err: unknown): CioResult {
    let error: CioError;
    if (err instanceof CioError) error = err;
    else {
      let text: string;
      try {
        text = this.#redact(String(err)).slice(0, 300);
      } catch {
        text = 'an error that cannot be shown'; // its toString threw
      }
      error = new CioError('UNKNOWN', text, false);
    }
    return this.#finish({ ...base, status: 'failed', attempts: 0, error }, started);
  }

  /** Reports retries as `retry` events (only when someone listens: it costs a subscription per call). */
  #retryListener(operation: string, idempotencyKey: string): ((attempt: number, delayMs: number, error: CioError) => void) | undefined {
    if (this.#emitter.listenerCount('retry') === 0) return undefined;
    return (attempt, delayMs, error) => this.#emitter.emit('retry', { operation, idempotencyKey, attempt, delayMs, error });
  }

  #finish(result: CioResult, started: number = performance.now()): CioResult {
    try {
      if (result.status !== 'sent' && result.status !== 'duplicate') {
        this.logger.debug({ operation: result.operation, status: result.status, code: result.error?.code }, 'customerio-resilience: call finished');
      }
    } catch {
      /* a logger that throws must not break the call */
    }
    if (this.#emitter.listenerCount('result') > 0) this.#emitter.emit('result', { ...result, durationMs: performance.now() - started });
    return result;
  }

  #onCircuitState(state: CioHealth['circuit_state'], error: CioError | undefined): void {
    this.#emitter.emit('circuitStateChanged', { state });
    if (state === 'OPEN' || state === 'ISOLATED') {
      this.logger.warn({ circuit_state: state, code: error?.code }, 'customerio-resilience: circuit opened; calls go to the queue');
      this.#emitter.emit('circuitOpened', { error });
    } else if (state === 'HALF_OPEN') {
      this.#emitter.emit('circuitHalfOpened', {});
    } else {
      this.logger.info({ circuit_state: state }, 'customerio-resilience: circuit closed');
      this.#emitter.emit('circuitClosed', {});
      this.#replayer?.kick();
    }
  }

  /** Waits for in-flight calls, at most `timeoutMs`. */
  async #settle(timeoutMs: number): Promise<void> {
    if (this.#pending.size > 0) await beforeDeadline(Promise.allSettled([...this.#pending.keys()]), Date.now() + timeoutMs);
  }
}

function checkTimeout(method: string, options: DrainOptions): number {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${method}: options must be an object, got ${typeof options}`);
  const t = options.timeoutMs ?? 10_000;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new RangeError(`${method}: timeoutMs must be a finite number >= 0, got ${String(t)}`);
  return t;
}
