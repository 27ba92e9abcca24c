import { BATCH_LIMITS, sendBatch, type BatchApi } from '../delivery/batchFormat.js';
import { Batcher } from '../delivery/batcher.js';
import { Replayer, type RegisteredReplay, type ReplayHandler } from '../delivery/replayer.js';
import { CioError, CioValidationError } from '../errors/CioError.js';
import { newEventId } from '../idempotency/eventId.js';
import { isApiName, type OperationSpec, type SdkClients } from '../operations/spec.js';
import { describeType } from '../internal/describe.js';
import { OPERATIONS, specOf } from '../operations/table.js';
import type { AppReadArgs, AppReadName, AppReadValue } from '../operations/reads.js';
import { AppReads } from './reads.js';
import { compositeOf } from '../operations/composite.js';
import { submitParts } from './parts.js';
import type { CallName, CioBatchResult, CompositeName, OperationName } from '../operations/types.js';
import { validateCall } from '../operations/validateCall.js';
import { Pipeline } from '../policies/pipeline.js';
import { TokenBucket } from '../policies/rateLimiter.js';
import { createRedactor, credentialSecrets, type Redactor } from '../policies/redact.js';
import type { DeadLetter, QueueStore } from '../queue/store.js';
import { memoryQueue } from '../stores/memory/memoryQueue.js';
import { lruIdempotencyStore } from '../stores/memory/lruIdempotencyStore.js';
import type { CioClient, ReplayOptions, RunCallOptions, RunResult } from './CioClient.js';
import { TypedEmitter, type CioEvents, type Unsubscribe } from './events.js';
import { IdempotencyGuard, callerStoreKey, checkCallerKey } from './guard.js';
import { KeepAlive } from './keepAlive.js';
import { normalizeOptions, type CioClientOptions } from './options.js';
import { Calls } from './calls.js';
import { readOptions, type Submission } from './submission.js';
import { Fallback } from './fallback.js';
import { PersonOrder, queuedBehind } from './personOrder.js';
import { QueueFigures } from './queueFigures.js';
import { createSdkClients } from './sdkClients.js';
import { healthOf } from './healthReport.js';
import { checkReplay, checkTimeout } from './checks.js';
import type { ApiName, CallOptions, CioHealth, CioResult, DrainOptions, FlushResult } from './types.js';
import { CALL, OperationMethods } from '../operations/methods.js';
import type { Trace, Tracing } from '../telemetry/tracing.js';

/**
 * The resilient client. Each operation is a method that reads its options and hands the call to
 * {@link ResilientClient.submit}; from there a call reads top to bottom: validation, keys, event id,
 * the idempotency guard, the person's order, the send (alone through the policies, or in a batch),
 * and what a failure becomes (queued, dead-lettered, rejected, failed).
 */
export class ResilientClient extends OperationMethods<Promise<CioResult>, Promise<CioBatchResult>> implements CioClient {
  readonly logger;
  readonly #redact: Redactor;
  readonly #sdk: SdkClients;
  /** Each API's policies: its own breaker and rate limit, so an outage or a burst of one never stops another. */
  readonly #policies: Readonly<Record<ApiName, Pipeline>>;
  /** The App API's reads (`read()`). */
  readonly #reads: AppReads;
  /** The operations' own rate limits (`OperationSpec.ownRateLimit`), on top of their API's. */
  readonly #limits = new Map<string, TokenBucket>();
  readonly #emitter: TypedEmitter<CioEvents>;
  readonly #guard: IdempotencyGuard;
  readonly #queue: QueueStore | undefined;
  readonly #replayer: Replayer | undefined;
  /** Write-behind batching, per API with a batch route (Track v2's, Data Pipelines'). */
  readonly #batchers: Partial<Record<BatchApi, Batcher>> = {};
  readonly #replays = new Map<string, RegisteredReplay>();
  readonly #order = new PersonOrder();
  readonly #figures = new QueueFigures();
  readonly #fallback: Fallback;
  readonly #calls: Calls;
  /** Holds the process open while a call, a flush or a close is pending. */
  readonly #alive = new KeepAlive();
  /** Spans of calls and requests, when `@opentelemetry/api` is installed and tracing is on. */
  readonly #tracing: Tracing | undefined;
  #closing: Promise<FlushResult> | undefined;

  constructor(input: CioClientOptions) {
    super();
    const o = normalizeOptions(input);
    this.logger = o.logger;
    this.#tracing = o.tracing;
    this.#redact = createRedactor(credentialSecrets(o.siteId, o.apiKey, o.appApiKey, o.writeKey));
    this.#emitter = new TypedEmitter<CioEvents>((err, event) =>
      o.logger.warn({ event: String(event), err: this.#redact(String(err)) }, 'customerio-resilience: an event listener threw'),
    );
    this.#sdk = createSdkClients(o);
    this.#policies = {
      track: new Pipeline(o, this.#redact, { onStateChange: (state, error) => this.#onCircuitState('track', state, error) }),
      app: new Pipeline({ ...o, ...o.app }, this.#redact, { onStateChange: (state, error) => this.#onCircuitState('app', state, error) }),
      pipelines: new Pipeline({ ...o, ...o.pipelines }, this.#redact, { onStateChange: (state, error) => this.#onCircuitState('pipelines', state, error) }),
    };
    for (const [name, spec] of Object.entries(OPERATIONS) as Array<[string, OperationSpec]>) {
      if (spec.ownRateLimit) this.#limits.set(name, new TokenBucket(spec.ownRateLimit));
    }
    const store = o.idempotency ? (o.idempotency.store ?? lruIdempotencyStore({ max: o.idempotency.max })) : undefined;
    this.#guard = new IdempotencyGuard(store, o.idempotency || undefined, (operation, err) => {
      this.logger.warn({ operation, err: this.#redact(String(err)) }, 'customerio-resilience: idempotency store failed; sending anyway');
    });
    this.#queue = o.queue === false ? undefined : (o.queue ?? memoryQueue());
    if (this.#queue) {
      this.#replayer = new Replayer({
        store: this.#queue,
        // The APIs this client has credentials for: a round waits only while all of theirs are open.
        policies: {
          track: this.#policies.track,
          ...(this.#sdk.app ? { app: this.#policies.app } : {}),
          ...(this.#sdk.pipelines ? { pipelines: this.#policies.pipelines } : {}),
        },
        limitOf: (operation) => this.#limits.get(operation),
        sdk: this.#sdk,
        options: o,
        replays: this.#replays,
        redact: this.#redact,
        tracing: this.#tracing,
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
    const batching = o.batch;
    if (batching) {
      // A batch is one request: one token of its API's rate limit, one result for its breaker. Over
      // the rate or with the circuit open its calls go to the queue, as single calls do.
      const batchOf = (api: BatchApi) =>
        new Batcher(
          (ops, trace) => this.#policies[api].run(() => sendBatch(this.#sdk, api, ops), { repeatable: true, canDefer: this.#queue !== undefined, trace }),
          { ...batching, limits: BATCH_LIMITS[api], api, tracing: this.#tracing },
        );
      this.#batchers.track = batchOf('track');
      if (this.#sdk.pipelines) this.#batchers.pipelines = batchOf('pipelines');
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
    this.#calls = new Calls({ guard: this.#guard, fallback: this.#fallback, emitter: this.#emitter, logger: this.logger, redact: this.#redact, alive: this.#alive });
    this.#reads = new AppReads({
      app: this.#policies.app,
      sdk: this.#sdk,
      calls: this.#calls,
      limit: o.app.readRateLimit,
      onRetry: (name) => this.#retryListener(name, ''),
      tracing: this.#tracing,
    });
  }

  /** An operation called through its method: its options are read, then it is {@link submit}ted. */
  protected override [CALL](operation: CallName, args: unknown[], rawOptions: unknown): Promise<CioResult> {
    let options: CallOptions | CioValidationError;
    try {
      options = readOptions(operation, args.length, rawOptions);
    } catch {
      // Call options that are not an object one can read (a revoked Proxy, say).
      options = new CioValidationError('options', `${operation}: the call options could not be read`);
    }
    if (options instanceof CioValidationError) {
      const trace = this.#tracing?.call(operation, specOf(operation)?.api, undefined);
      return Promise.resolve(this.#calls.finish({ status: 'rejected', operation, idempotencyKey: '', attempts: 0, error: options }, undefined, { trace }));
    }
    return this.submit({ operation, args, idempotencyKey: options.idempotencyKey, batch: options.batch === true });
  }

  /** Whether `client` is a client made by `createCioClient` (not a wrapper or a Proxy of one): it takes {@link submit}. */
  static owns(client: unknown): client is ResilientClient {
    return typeof client === 'object' && client !== null && #alive in client;
  }

  get closed(): boolean {
    return this.#calls.closed;
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
    return healthOf(this.#policies, this.#figures, this.#queue?.name ?? 'none');
  }

  isolate(): { dispose(): void } {
    // Every API with a breaker (one given `breaker: false` has no circuit to hold open).
    const lanes = Object.values(this.#policies).filter((p) => p.hasBreaker);
    if (lanes.length === 0) throw new TypeError('isolate(): the client has no circuit breaker (breaker: false)');
    const handles = lanes.map((p) => p.isolate());
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return; // a second dispose must not release someone else's isolation
        disposed = true;
        for (const h of handles) h.dispose();
      },
    };
  }

  registerReplay(operation: string, handler: ReplayHandler, options: ReplayOptions = {}): void {
    checkReplay(operation, handler, options);
    this.#replays.set(operation, { handler, repeatable: options.repeatable ?? true, api: options.api ?? 'track' });
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

  async discardDeadLetters(ids: readonly string[]): Promise<number> {
    if (!this.#queue) return 0;
    if (typeof this.#queue.discardDeadLetters !== 'function') throw new TypeError('discardDeadLetters: this queue store cannot discard dead letters (it has no discardDeadLetters())');
    const discarded = await this.#queue.discardDeadLetters(ids);
    await this.#replayer?.refreshStats();
    return discarded;
  }

  flush(options: DrainOptions = {}): Promise<FlushResult> {
    return this.#alive.during(this.#flush(options));
  }

  async #flush(options: DrainOptions): Promise<FlushResult> {
    const timeoutMs = checkTimeout('flush', options);
    if (this.#closing) return this.#closing; // close() flushes, then the stores are gone
    const relaxes = Object.values(this.#batchers).map((b) => b.hurry());
    // One deadline for both steps: waiting for the calls under way, then replaying the queue.
    const deadline = Date.now() + timeoutMs;
    try {
      await this.#calls.settle(timeoutMs);
      if (!this.#replayer) return { delivered: 0, remaining: 0 };
      return await this.#replayer.flush(Math.max(0, deadline - Date.now()));
    } finally {
      for (const relax of relaxes) relax();
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
    this.#calls.closed = true;
    this.#closing = this.#alive.during(this.#shutdown(Date.now() + timeoutMs));
    return this.#closing;
  }

  /**
   * Graceful shutdown by `deadline`: finish the calls under way and replay the queue while there is
   * time; then settle every call still under way (kept in a durable queue, or reported as possibly
   * delivered), stop the policies and close the stores.
   */
  async #shutdown(deadline: number): Promise<FlushResult> {
    for (const b of Object.values(this.#batchers)) b.hurry(); // for good: nothing waits for a later batch once closing
    await this.#calls.settle(deadline - Date.now());
    let result: FlushResult = { delivered: 0, remaining: 0 };
    if (this.#replayer) {
      try {
        result = await this.#replayer.flush(Math.max(0, deadline - Date.now()));
      } catch (err) {
        this.logger.error({ err: this.#redact(String(err)) }, 'customerio-resilience: draining the queue on close failed');
      }
      await this.#replayer.stop(deadline);
    }
    const kept = await this.#calls.abandon();
    for (const p of Object.values(this.#policies)) p.close();
    for (const limit of this.#limits.values()) limit.close();
    this.#reads.close();
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

  run<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, options: RunCallOptions = {}): Promise<RunResult<T>> {
    const name = String(operation);
    const given = options.idempotencyKey;
    const api = isApiName(options.api) ? options.api : 'track';
    const lane = this.#policies[api];
    const trace = this.#tracing?.call(name, api, lane.circuitState);
    const invalid =
      checkCallerKey(`run(${name})`, 'idempotencyKey', given) ??
      (options.api === undefined || isApiName(options.api)
        ? undefined
        : new CioValidationError('options.api', `run(${name}): options.api must be 'track', 'app' or 'pipelines', got ${describeType(options.api)}`));
    if (invalid) return Promise.resolve(this.#calls.finish({ status: 'rejected', operation: name, idempotencyKey: '', attempts: 0, error: invalid }, undefined, { trace, api }));
    const queue = options.queue === true && this.#queue !== undefined;
    const repeatable = options.repeatable ?? true;
    // Only a key the caller gives marks a repeat: without one, every run runs.
    const result = this.#calls.guarded(
      name,
      given === undefined ? undefined : callerStoreKey(name, given),
      () =>
        lane.run(fn, {
          repeatable,
          canDefer: queue,
          onRetry: this.#retryListener(name, given ?? ''),
          trace,
        }),
      {
        storable: queue ? { args: [...(options.args ?? [])], personKey: '', builtIn: false } : undefined,
        repeatable,
        reportedKey: given ?? '',
        explicitKey: true,
        keepValue: true,
        trace,
        api,
      },
    );
    return result as Promise<RunResult<T>>;
  }

  read<N extends AppReadName>(method: N, ...args: AppReadArgs<N>): Promise<RunResult<AppReadValue<N>>> {
    return this.#reads.read(method, args) as Promise<RunResult<AppReadValue<N>>>;
  }

  /**
   * One Customer.io operation, end to end: the internal entry point of every operation method and of
   * the request scope. Never rejects, never throws.
   */
  submit(call: Submission): Promise<CioResult> {
    const composite = compositeOf(call.operation);
    if (composite) return submitParts(call.operation as CompositeName, composite, call, (part) => this.submit(part), this.#calls, this.#tracing);
    const { operation, args, idempotencyKey, batch } = call;
    let trace: Trace | undefined;
    try {
      const spec = OPERATIONS[operation as OperationName] as OperationSpec;
      if (this.#tracing) trace = this.#tracing.call(operation, spec.api, this.#policies[spec.api].circuitState, call.parent);
      const invalid = checkCallerKey(operation, 'options.idempotencyKey', idempotencyKey) ?? validateCall(operation, args);
      if (invalid) {
        return Promise.resolve(this.#calls.finish({ status: 'rejected', operation, idempotencyKey: idempotencyKey ?? '', attempts: 0, error: invalid }, undefined, { trace }));
      }
      const { reportedKey, storeKey } = this.#guard.keyOf(operation, idempotencyKey, args);
      let sendArgs: unknown[] = args;
      let eventId: string | undefined;
      if (spec.withEventId) {
        const withId = spec.withEventId(args, newEventId());
        sendArgs = withId.args;
        eventId = withId.id;
        trace?.set('customerio.event_id', eventId);
      }
      const single = () =>
        this.#policies[spec.api].run(() => spec.invoke(this.#sdk, sendArgs), {
          repeatable: spec.repeatable,
          // Over the rate, a call goes to the queue (sent later in a batch) if there is one; else it waits.
          canDefer: this.#queue !== undefined,
          onRetry: this.#retryListener(operation, reportedKey),
          limit: this.#limits.get(operation),
          trace,
        });
      const madeAt = Date.now();
      // A live upsert or delete carries no timestamp (as on its v1 route): Customer.io orders it by arrival.
      const apiBatcher = batch ? this.#batchers[spec.api as BatchApi] : undefined;
      const op = apiBatcher ? spec.batch?.(sendArgs, spec.ordered ? undefined : madeAt) : undefined;
      const batcher = op ? apiBatcher : undefined;
      const direct = batcher ? () => batcher.add(op!, single, trace) ?? single() : single;
      const personKey = spec.personKey(args);
      const ordered = spec.ordered && personKey !== '';
      const send = !ordered ? direct : this.#order.hasQueued(personKey) ? queuedBehind : this.#order.after(personKey, direct, batcher);
      return this.#calls.guarded(operation, storeKey, send, {
        ordered,
        storable: { args: sendArgs, personKey, builtIn: true },
        repeatable: spec.repeatable,
        reportedKey,
        explicitKey: idempotencyKey !== undefined,
        eventId,
        madeAt,
        trace,
      });
    } catch (err) {
      return Promise.resolve(this.#calls.crashed({ operation, idempotencyKey: '' }, performance.now(), err, { trace }));
    }
  }

  /** Reports retries as `retry` events (only when someone listens: it costs a subscription per call). */
  #retryListener(operation: string, idempotencyKey: string): ((attempt: number, delayMs: number, error: CioError) => void) | undefined {
    if (this.#emitter.listenerCount('retry') === 0) return undefined;
    return (attempt, delayMs, error) => this.#emitter.emit('retry', { operation, idempotencyKey, attempt, delayMs, error });
  }

  #onCircuitState(api: ApiName, state: CioHealth['circuit_state'], error: CioError | undefined): void {
    this.#emitter.emit('circuitStateChanged', { state, api });
    if (state === 'OPEN' || state === 'ISOLATED') {
      this.logger.warn({ api, circuit_state: state, code: error?.code }, `customerio-resilience: the ${api} API's circuit opened; its calls go to the queue`);
      this.#emitter.emit('circuitOpened', { error, api });
    } else if (state === 'HALF_OPEN') {
      this.#emitter.emit('circuitHalfOpened', { api });
    } else {
      this.logger.info({ api, circuit_state: state }, `customerio-resilience: the ${api} API's circuit closed`);
      this.#emitter.emit('circuitClosed', { api });
      this.#replayer?.kick();
    }
  }

}
