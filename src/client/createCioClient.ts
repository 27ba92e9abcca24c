import { APIClient, RegionEU, RegionUS, TrackClient } from 'customerio-node';
import { CioClosedError, CioError } from '../errors/CioError.js';
import { newEventId } from '../idempotency/eventId.js';
import { deriveIdempotencyKey } from '../idempotency/keys.js';
import { lruIdempotencyStore } from '../idempotency/lruStore.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import { Pipeline } from '../policies/pipeline.js';
import { createRedactor, credentialSecrets, type Redactor } from '../policies/redact.js';
import { Drainer, type RegisteredReplay } from '../queue/drainer.js';
import { memoryQueue } from '../queue/memoryQueue.js';
import { toBatchOp } from '../queue/toBatchOperation.js';
import { Batcher, type BatchedOutcome } from './batcher.js';
import type { DeadLetter, QueueEntry, QueueStats, QueueStore } from '../queue/store.js';
import { validateCall } from '../validation/validateCall.js';
import type { CioClient, ReplayHandler, RunCallOptions, RunResult } from './CioClient.js';
import { TypedEmitter, type CioEvents, type Unsubscribe } from './events.js';
import { OPERATIONS, OPERATION_NAMES, toStorableArgs, type OperationSpec, type SdkClients } from './operations.js';
import { DEFAULTS, normalizeOptions, type CioClientOptions, type NormalizedOptions } from './options.js';
import type { CallOptions, CioHealth, CioResult, DrainOptions, FlushResult, OperationName } from './types.js';


const EMPTY_STATS: QueueStats = { depth: 0, oldestAgeMs: 0, dropped: 0, deadLetters: 0 };

/** Reads the optional `CallOptions` at the end of a call's arguments. */
function splitArgs(operation: OperationName, raw: readonly unknown[]): { args: unknown[]; options: CallOptions } {
  const arity = OPERATIONS[operation].arity;
  const args = raw.slice(0, arity);
  const last = raw[arity];
  const options: CallOptions = {};
  if (typeof last === 'object' && last !== null) {
    const given = last as CallOptions;
    if (typeof given.idempotencyKey === 'string') options.idempotencyKey = given.idempotencyKey;
    if (given.batch === true) options.batch = true;
  }
  return { args, options };
}

/** What {@link ResilientCioClient} knows of a call between its idempotency guard and its outcome. */
interface GuardContext {
  storable: { args: unknown[]; personKey: string; spec?: OperationSpec } | undefined;
  repeatable: boolean;
  reportedKey: string;
  explicitKey: boolean;
  eventId?: string | undefined;
}

/** The fields every result of a call starts with. */
type ResultBase = { operation: string; idempotencyKey: string; eventId?: string };

/** A batched call waiting to be taken in. */
interface Intake {
  operation: OperationName;
  args: unknown[];
  options: CallOptions;
  settle: (result: CioResult | Promise<CioResult>) => void;
}

let captured: ((result: CioResult | Promise<CioResult>) => void) | undefined;
/** A promise executor that keeps no per-call closure: the caller takes `captured` right after. */
const capture = (resolve: (result: CioResult | Promise<CioResult>) => void): void => {
  captured = resolve;
};

class ResilientCioClient {
  readonly logger;
  readonly #options: NormalizedOptions;
  readonly #redact: Redactor;
  readonly #sdk: SdkClients;
  readonly #pipeline: Pipeline;
  readonly #emitter: TypedEmitter<CioEvents>;
  readonly #idempotency: IdempotencyStore | undefined;
  readonly #queue: QueueStore | undefined;
  readonly #drainer: Drainer | undefined;
  readonly #batcher: Batcher | undefined;
  readonly #inFlight = new Map<string, Promise<CioResult>>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #replays = new Map<string, RegisteredReplay>();
  #queueStats: QueueStats = EMPTY_STATS;
  #statsAt = 0;
  #closed = false;
  #closing: Promise<FlushResult> | undefined;
  /** Batched calls waiting for {@link #drainIntake}, in call order. */
  #intake: Intake[] = [];

  constructor(input: CioClientOptions) {
    const o = (this.#options = normalizeOptions(input));
    this.logger = o.logger;
    this.#redact = createRedactor(credentialSecrets(o.siteId, o.apiKey, o.appApiKey));
    this.#emitter = new TypedEmitter<CioEvents>((err, event) =>
      o.logger.warn({ event: String(event), err: this.#redact(String(err)) }, 'customerio-resilience: an event listener threw'),
    );
    const region = o.region === 'eu' ? RegionEU : RegionUS;
    const sdkDefaults = { region, timeout: o.timeoutMs, retry: { maxRetries: 0 } };
    this.#sdk = {
      track: new TrackClient(o.siteId, o.apiKey, { ...sdkDefaults, ...(o.trackUrl ? { url: o.trackUrl } : {}) }),
      app: o.appApiKey ? new APIClient(o.appApiKey, { ...sdkDefaults, ...(o.appUrl ? { url: o.appUrl } : {}) }) : undefined,
    };
    this.#pipeline = new Pipeline(o, this.#redact, {
      onStateChange: (state, error) => this.#onCircuitState(state, error),
    });
    if (o.idempotency) {
      this.#idempotency = o.idempotency.store ?? lruIdempotencyStore({ max: o.idempotency.max });
    }
    this.#queue = o.queue === false ? undefined : (o.queue ?? memoryQueue());
    if (this.#queue) {
      this.#drainer = new Drainer({
        store: this.#queue,
        pipeline: this.#pipeline,
        sdk: this.#sdk,
        options: o,
        replays: this.#replays,
        emit: (event, payload) => this.#emitter.emit(event, payload as never),
        onStats: (stats) => this.#setStats(stats),
      });
      if (o.drain.enabled) this.#drainer.start();
    }
    if (o.batch) {
      // A batch is one request: one token of the rate limit, one result for the breaker. Over the
      // rate or with the circuit open its calls go to the queue, as single calls do.
      this.#batcher = new Batcher(
        (ops) => this.#pipeline.run(() => this.#sdk.track.batch(ops), { repeatable: true, canDefer: this.#queue !== undefined, timesItself: true }),
        o.batch,
      );
    }
    for (const name of OPERATION_NAMES) {
      Object.defineProperty(this, name, {
        value: (...raw: unknown[]) => this.#call(name, raw),
        enumerable: false,
      });
    }
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
    const q = this.#queueStats;
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
        oldest_age_ms: this.#oldestAge(),
        dropped: q.dropped,
        dead_letter: q.deadLetters,
      },
    };
  }

  isolate(): { dispose(): void } {
    return this.#pipeline.isolate();
  }

  registerReplay(operation: string, handler: ReplayHandler, options: { repeatable?: boolean } = {}): void {
    if (typeof operation !== 'string' || operation === '') throw new TypeError(`registerReplay: operation must be a non-empty string, got ${typeof operation}`);
    if (operation in OPERATIONS) throw new RangeError(`registerReplay: '${operation}' is a built-in operation and cannot be replaced`);
    if (typeof handler !== 'function') throw new TypeError(`registerReplay: handler must be a function, got ${typeof handler}`);
    if (options.repeatable !== undefined && typeof options.repeatable !== 'boolean') {
      throw new TypeError(`registerReplay: repeatable must be a boolean, got ${typeof options.repeatable}`);
    }
    this.#replays.set(operation, { handler, repeatable: options.repeatable ?? true });
    this.#drainer?.kick();
  }

  async deadLetters(limit?: number): Promise<DeadLetter[]> {
    return this.#queue ? this.#queue.listDeadLetters(limit) : [];
  }

  async redrive(ids?: readonly string[]): Promise<number> {
    if (!this.#queue) return 0;
    const moved = await this.#queue.redrive(ids);
    await this.#drainer?.refreshStats();
    this.#drainer?.kick();
    return moved;
  }

  async flush(options: DrainOptions = {}): Promise<FlushResult> {
    const timeoutMs = checkTimeout('flush', options);
    if (this.#closing) return this.#closing; // close() flushes, then the stores are gone
    this.#drainIntake();
    const relax = this.#batcher?.hurry();
    try {
      await this.#settle(timeoutMs);
      if (!this.#drainer) return { delivered: 0, remaining: 0 };
      return await this.#drainer.flush(timeoutMs);
    } finally {
      relax?.();
    }
  }

  close(options: DrainOptions = {}): Promise<FlushResult> {
    if (this.#closing) return this.#closing;
    const timeoutMs = checkTimeout('close', options);
    this.#drainIntake(); // calls made before close() are taken as before
    this.#closed = true;
    this.#closing = (async () => {
      const started = Date.now();
      this.#batcher?.hurry(); // for good: nothing waits for a later batch once closing
      await this.#settle(timeoutMs);
      let result: FlushResult = { delivered: 0, remaining: 0 };
      if (this.#drainer) {
        try {
          result = await this.#drainer.flush(Math.max(0, timeoutMs - (Date.now() - started)));
        } catch (err) {
          this.logger.error({ err: this.#redact(String(err)) }, 'customerio-resilience: draining the queue on close failed');
        }
        await this.#drainer.stop();
      }
      this.#pipeline.close();
      try {
        await this.#queue?.close();
        // The client owns the stores it was given: closing it releases their connections too.
        await this.#idempotency?.close?.();
      } catch (err) {
        this.logger.warn({ err: this.#redact(String(err)) }, 'customerio-resilience: closing a store failed');
      }
      this.#emitter.clear();
      return result;
    })();
    return this.#closing;
  }

  run<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, options: RunCallOptions = {}): Promise<RunResult<T>> {
    let key: string;
    try {
      key = options.idempotencyKey ?? deriveIdempotencyKey(operation, options.args ?? []);
    } catch (err) {
      const error = new CioError('INVALID_INPUT', `run(${String(operation)}): the arguments cannot be read (${this.#redact(String(err)).slice(0, 200)})`, false);
      return Promise.resolve(this.#finish({ status: 'rejected', operation: String(operation), idempotencyKey: '', attempts: 0, error }));
    }
    let value: T | undefined;
    let ran = false;
    // A caller's key is scoped by operation, as for the built-in operations.
    const storeKey = options.idempotencyKey === undefined ? key : `${operation}:key:${options.idempotencyKey}`;
    const result = this.#guarded(operation, storeKey, async () => {
      const outcome = await this.#pipeline.run(fn, {
        repeatable: options.repeatable ?? true,
        canDefer: options.queue === true && this.#queue !== undefined,
        onRetry: this.#retryListener(operation, options.idempotencyKey ?? key),
      });
      if (outcome.ok) {
        value = outcome.value;
        ran = true;
      }
      return outcome;
    }, {
      storable: options.queue === true ? { args: [...(options.args ?? [])], personKey: '' } : undefined,
      repeatable: options.repeatable ?? true,
      reportedKey: options.idempotencyKey ?? key,
      explicitKey: options.idempotencyKey !== undefined,
    });
    return result.then((r) => (ran ? { ...r, value: value as T } : r));
  }

  /**
   * One Customer.io operation. A batched call (it waits for its batch anyway) is taken in once the
   * current tick's code has run, with every other batched call made in it, in one loop: under load
   * the validation, key and batch code then runs hot instead of once between two HTTP requests.
   */
  #call(operation: OperationName, raw: readonly unknown[]): Promise<CioResult> {
    let args: unknown[];
    let options: CallOptions;
    try {
      ({ args, options } = splitArgs(operation, raw));
    } catch (err) {
      return Promise.resolve(this.#crashed({ operation, idempotencyKey: '' }, performance.now(), err)); // call options whose getters throw
    }
    if (this.#batcher === undefined || options.batch !== true) return this.#take(operation, args, options);
    const result = new Promise<CioResult>(capture);
    const settle = captured!;
    captured = undefined;
    if (this.#intake.push({ operation, args, options, settle }) === 1) setImmediate(this.#drainLater);
    return result;
  }

  readonly #drainLater = (): void => this.#drainIntake();

  /** Takes in the batched calls waiting, in call order. */
  #drainIntake(): void {
    const calls = this.#intake;
    if (calls.length === 0) return;
    this.#intake = [];
    for (const c of calls) c.settle(this.#take(c.operation, c.args, c.options));
  }

  /** One Customer.io operation, end to end. Never rejects, never throws. */
  #take(operation: OperationName, args: unknown[], options: CallOptions): Promise<CioResult> {
    try {
      const spec = OPERATIONS[operation];
      const invalid = validateCall(operation, args);
      if (invalid) {
        return Promise.resolve(this.#finish({ status: 'rejected', operation, idempotencyKey: options.idempotencyKey ?? '', attempts: 0, error: invalid }));
      }
      const reportedKey = options.idempotencyKey ?? deriveIdempotencyKey(operation, args);
      const storeKey = options.idempotencyKey === undefined ? reportedKey : `${operation}:key:${options.idempotencyKey}`;
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
          timesItself: true, // the SDK gives up at timeoutMs itself
        });
      const batcher = options.batch ? this.#batcher : undefined;
      const send = batcher
        ? () => {
            const op = toBatchOp(operation, sendArgs, Date.now());
            return (op && batcher.add(op, single)) || single();
          }
        : single;
      return this.#guarded(
        operation,
        storeKey,
        send,
        {
          storable: { args: sendArgs, personKey: spec.personKey(args), spec },
          repeatable: spec.repeatable,
          reportedKey,
          explicitKey: options.idempotencyKey !== undefined,
          eventId,
        },
      );
    } catch (err) {
      return Promise.resolve(this.#crashed({ operation, idempotencyKey: '' }, performance.now(), err));
    }
  }

  /** Idempotency guard, then `send`, then what to do with a failure. */
  #guarded(
    operation: string,
    storeKey: string,
    send: () => Promise<BatchedOutcome>,
    ctx: GuardContext,
  ): Promise<CioResult> {
    const base: ResultBase = ctx.eventId ? { operation, idempotencyKey: ctx.reportedKey, eventId: ctx.eventId } : { operation, idempotencyKey: ctx.reportedKey };
    const started = performance.now();
    if (this.#closed) return Promise.resolve(this.#finish({ ...base, status: 'failed', attempts: 0, error: new CioClosedError() }));
    const running = this.#inFlight.get(storeKey);
    if (running) return running.then(() => this.#finish({ ...base, status: 'duplicate', attempts: 0 }, started));

    const store = this.#idempotency;
    let reserved: boolean | Promise<boolean> = true;
    if (store) {
      try {
        const ttl = this.#options.idempotency || DEFAULTS.idempotency;
        reserved = store.reserve(storeKey, ctx.explicitKey ? ttl.ttlMs : ttl.derivedTtlMs);
      } catch (err) {
        this.#storeFailed(operation, err); // reserved stays true
      }
    }
    let work: Promise<CioResult>;
    const done = (): void => {
      this.#inFlight.delete(storeKey);
      this.#pending.delete(work);
    };
    if (typeof reserved === 'boolean') {
      // A store that answers at once (the in-memory one), or none: straight to `send`, and one
      // promise for the whole call (no waiting a microtask for the store, no extra chain links).
      if (!reserved) return Promise.resolve(this.#finish({ ...base, status: 'duplicate', attempts: 0 }, started));
      let sending: Promise<BatchedOutcome>;
      try {
        sending = send();
      } catch (err) {
        return Promise.resolve(this.#crashed(base, started, err));
      }
      work = sending.then(
        (outcome) => {
          const result = this.#settled(operation, storeKey, outcome, ctx, base, started);
          if (result instanceof Promise) void result.then(done, done);
          else done();
          return result;
        },
        (err: unknown) => {
          done();
          return this.#crashed(base, started, err);
        },
      );
    } else {
      const reserving = reserved;
      work = (async (): Promise<CioResult> => {
        let fresh: boolean;
        try {
          fresh = await reserving;
        } catch (err) {
          this.#storeFailed(operation, err);
          fresh = true;
        }
        if (!fresh) return this.#finish({ ...base, status: 'duplicate', attempts: 0 }, started);
        return this.#settled(operation, storeKey, await send(), ctx, base, started);
      })().catch((err: unknown) => this.#crashed(base, started, err));
      void work.then(done, done);
    }
    this.#inFlight.set(storeKey, work);
    this.#pending.add(work);
    return work;
  }

  /** A shared store that is down must not stop delivery: send, and let Customer.io's ULID de-duplication help. */
  #storeFailed(operation: string, err: unknown): void {
    this.logger.warn({ operation, err: this.#redact(String(err)) }, 'customerio-resilience: idempotency store failed; sending anyway');
  }

  /** What a send's outcome makes of a call: `sent`, or what {@link #onFailure} decides. Never throws or rejects. */
  #settled(
    operation: string,
    storeKey: string,
    outcome: BatchedOutcome,
    ctx: GuardContext,
    base: ResultBase,
    started: number,
  ): CioResult | Promise<CioResult> {
    try {
      if (outcome.ok) {
        if (this.#emitter.listenerCount('sent') > 0) {
          this.#emitter.emit('sent', { operation, idempotencyKey: ctx.reportedKey, attempts: outcome.attempts, replayed: false });
        }
        return this.#finish({ ...base, status: 'sent', attempts: outcome.attempts }, started);
      }
      return this.#onFailure(operation, storeKey, outcome.error, outcome.attempts, ctx).then(
        (result) => this.#finish({ ...base, ...result }, started),
        (err: unknown) => this.#crashed(base, started, err),
      );
    } catch (err) {
      return this.#crashed(base, started, err);
    }
  }

  /** The `failed` result of a call that threw where nothing should. */
  #crashed(base: ResultBase, started: number, err: unknown): CioResult {
    const error = err instanceof CioError ? err : new CioError('UNKNOWN', this.#redact(String(err)).slice(0, 300), false);
    return this.#finish({ ...base, status: 'failed', attempts: 0, error }, started);
  }

  async #onFailure(
    operation: string,
    storeKey: string,
    error: CioError,
    attempts: number,
    ctx: { storable: { args: unknown[]; personKey: string; spec?: OperationSpec } | undefined; repeatable: boolean; reportedKey: string; eventId?: string | undefined },
  ): Promise<Pick<CioResult, 'status' | 'attempts' | 'error'>> {
    const release = async (): Promise<void> => {
      try {
        await this.#idempotency?.release(storeKey);
      } catch {
        /* the key expires by itself */
      }
    };
    let entry: QueueEntry | undefined;
    try {
      entry = ctx.storable && this.#queue ? this.#entry(operation, ctx.reportedKey, ctx.storable, ctx.eventId, error) : undefined;
    } catch {
      // Arguments that cannot be stored as JSON (a custom operation's) cannot be queued.
      entry = undefined;
    }
    const ambiguous =
      !ctx.repeatable && error.maybeDelivered && this.#options.nonIdempotentDelivery === 'at-most-once' && error.retryable;
    if (ambiguous) {
      const amb = new CioError('AMBIGUOUS', `${operation} may or may not have been delivered (${error.message}); not retried, kept as a dead letter`, false, {
        status: error.status,
        maybeDelivered: true,
      });
      if (entry) await this.#deadLetter(entry, amb);
      this.logger.warn({ operation, idempotencyKey: ctx.reportedKey, code: 'AMBIGUOUS' }, 'customerio-resilience: ambiguous failure');
      return { status: 'failed', attempts, error: amb };
    }
    if (!error.retryable) {
      await release();
      const permanentAnswer = error.code === 'PERMANENT' || error.code === 'INVALID_INPUT';
      if (entry && error.code === 'PERMANENT') await this.#deadLetter(entry, error);
      this.logger.warn({ operation, idempotencyKey: ctx.reportedKey, code: error.code, status: error.status }, `customerio-resilience: ${operation} not delivered: ${error.message}`);
      return { status: permanentAnswer ? 'rejected' : 'failed', attempts, error };
    }
    if (entry && this.#queue) {
      let outcome: 'queued' | 'dropped';
      try {
        outcome = await this.#queue.push(entry);
      } catch (err) {
        this.logger.error({ operation, err: this.#redact(String(err)) }, 'customerio-resilience: the queue store failed');
        await release();
        return { status: 'failed', attempts, error };
      }
      this.#bumpStats(outcome === 'queued' ? { depth: 1 } : { dropped: 1 });
      if (outcome === 'queued') {
        this.#emitter.emit('queued', { operation, idempotencyKey: ctx.reportedKey, error });
        this.#drainer?.kick();
        return { status: 'queued', attempts, error };
      }
      await release();
      this.#emitter.emit('dropped', { operation, idempotencyKey: ctx.reportedKey });
      this.logger.warn({ operation, idempotencyKey: ctx.reportedKey }, 'customerio-resilience: queue full, operation dropped');
      return { status: 'dropped', attempts, error };
    }
    await release();
    return { status: 'failed', attempts, error };
  }

  #entry(operation: string, key: string, s: { args: unknown[]; personKey: string; spec?: OperationSpec }, eventId: string | undefined, error: CioError): QueueEntry {
    const args = s.spec ? toStorableArgs(operation as OperationName, s.args) : JSON.parse(JSON.stringify(s.args)) as unknown[];
    return {
      id: newEventId(),
      operation,
      args,
      idempotencyKey: key,
      personKey: s.personKey,
      enqueuedAt: Date.now(),
      attempts: 0,
      ...(eventId ? { eventId } : {}),
      lastError: `${error.code}: ${error.message}`.slice(0, 500),
    };
  }

  async #deadLetter(entry: QueueEntry, error: CioError): Promise<void> {
    try {
      await this.#queue?.addDeadLetter(entry, `${error.code}: ${error.message}`.slice(0, 500));
      this.#bumpStats({ deadLetters: 1 });
      this.#emitter.emit('deadLettered', { operation: entry.operation, idempotencyKey: entry.idempotencyKey, error });
    } catch (err) {
      this.logger.error({ operation: entry.operation, err: this.#redact(String(err)) }, 'customerio-resilience: could not keep a dead letter');
    }
  }

  /**
   * Updates the queue figures at once (health() is read synchronously) and has the store's own
   * figures read again in the background.
   */
  #bumpStats(change: { depth?: number; dropped?: number; deadLetters?: number }): void {
    const q = this.#queueStats;
    const depth = q.depth + (change.depth ?? 0);
    this.#setStats({
      depth,
      oldestAgeMs: q.depth === 0 ? 0 : this.#oldestAge(),
      dropped: q.dropped + (change.dropped ?? 0),
      deadLetters: q.deadLetters + (change.deadLetters ?? 0),
    });
    this.#drainer?.refreshSoon();
  }

  #setStats(stats: QueueStats): void {
    this.#queueStats = stats;
    this.#statsAt = Date.now();
  }

  /** Age of the oldest queued operation now, from the last figures. */
  #oldestAge(): number {
    return this.#queueStats.depth === 0 ? 0 : this.#queueStats.oldestAgeMs + (Date.now() - this.#statsAt);
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
      this.#drainer?.kick();
    }
  }

  /** Waits for in-flight calls, at most `timeoutMs`. */
  async #settle(timeoutMs: number): Promise<void> {
    if (this.#pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#pending]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}

function checkTimeout(method: string, options: DrainOptions): number {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${method}: options must be an object, got ${typeof options}`);
  const t = options.timeoutMs ?? 10_000;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new RangeError(`${method}: timeoutMs must be a finite number >= 0, got ${String(t)}`);
  return t;
}

/**
 * Creates a resilient Customer.io client. Throws `TypeError`/`RangeError` at once for invalid
 * options (never showing a credential); after that, its methods never throw and never reject.
 */
export function createCioClient(options: CioClientOptions = {}): CioClient {
  return new ResilientCioClient(options) as unknown as CioClient;
}
