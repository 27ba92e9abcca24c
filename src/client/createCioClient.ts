import { APIClient, RegionEU, RegionUS, TrackClient } from 'customerio-node';
import { CioClosedError, CioError, CioValidationError } from '../errors/CioError.js';
import { newEventId } from '../idempotency/eventId.js';
import { boundedKey, deriveIdempotencyKey } from '../idempotency/keys.js';
import { lruIdempotencyStore } from '../idempotency/lruStore.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import { beforeDeadline } from '../policies/deadline.js';
import { Pipeline } from '../policies/pipeline.js';
import { createRedactor, credentialSecrets, type Redactor } from '../policies/redact.js';
import { Drainer, type RegisteredReplay } from '../queue/drainer.js';
import { memoryQueue } from '../queue/memoryQueue.js';
import { toBatchOp } from '../queue/toBatchOperation.js';
import { Batcher, type BatchedOutcome } from './batcher.js';
import type { DeadLetter, QueueEntry, QueueStats, QueueStore } from '../queue/store.js';
import { describeType } from '../validation/describeType.js';
import { validateCall } from '../validation/validateCall.js';
import type { CioClient, ReplayHandler, RunCallOptions, RunResult } from './CioClient.js';
import { TypedEmitter, type CioEvents, type Unsubscribe } from './events.js';
import { KeepAlive } from './keepAlive.js';
import { guardRedirects } from './redirects.js';
import { OPERATIONS, OPERATION_NAMES, specOf, toStorableArgs, type OperationSpec, type SdkClients } from './operations.js';
import { DEFAULTS, normalizeOptions, type CioClientOptions, type NormalizedOptions } from './options.js';
import type { CallOptions, CioHealth, CioResult, DrainOptions, FlushResult, OperationName } from './types.js';


const noop = (): void => {};

/** Upserts and deletes of a person on the Track API: their order decides the person's state. */
const isOrdered = (spec: OperationSpec | undefined): boolean => spec !== undefined && !spec.event && spec.api === 'track';

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

const EMPTY_STATS: QueueStats = { depth: 0, oldestAgeMs: 0, dropped: 0, deadLetters: 0 };

/** Reads the optional `CallOptions` at the end of a call's arguments; a malformed one is a validation error. */
function splitArgs(operation: OperationName, raw: readonly unknown[]): { args: unknown[]; options: CallOptions; invalid?: CioValidationError } {
  const arity = OPERATIONS[operation].arity;
  const args = raw.slice(0, arity);
  const last = raw[arity];
  const options: CallOptions = {};
  if (last === undefined) return { args, options };
  if (typeof last !== 'object' || last === null || Array.isArray(last)) {
    return { args, options, invalid: new CioValidationError('options', `${operation}: the call options (argument ${arity + 1}) must be an object such as { idempotencyKey }, got ${describeType(last)}`) };
  }
  let given: { idempotencyKey?: unknown; batch?: unknown };
  try {
    given = { idempotencyKey: (last as CallOptions).idempotencyKey, batch: (last as CallOptions).batch };
  } catch {
    return { args, options, invalid: new CioValidationError('options', `${operation}: the call options could not be read`) };
  }
  const invalid = checkCallerKey(operation, 'options.idempotencyKey', given.idempotencyKey);
  if (invalid) return { args, options, invalid };
  if (given.idempotencyKey !== undefined) options.idempotencyKey = given.idempotencyKey as string;
  if (given.batch !== undefined) {
    if (typeof given.batch !== 'boolean') {
      return { args, options, invalid: new CioValidationError('options.batch', `${operation}: options.batch must be a boolean, got ${describeType(given.batch)}`) };
    }
    if (given.batch) options.batch = true;
  }
  return { args, options };
}

/** A caller's idempotency key must be a non-empty, well-formed string (any length: long ones are hashed). */
function checkCallerKey(where: string, field: string, key: unknown): CioValidationError | undefined {
  if (key === undefined || (typeof key === 'string' && key !== '' && key.isWellFormed())) return undefined;
  const got = typeof key === 'string' ? (key === '' ? 'an empty string' : 'a string with a lone UTF-16 surrogate') : describeType(key);
  return new CioValidationError(field, `${where}: ${field} must be a non-empty string, got ${got}`);
}

/** Where the guard keeps a caller's key: scoped by operation, long keys hashed. */
function callerStoreKey(operation: string, key: string): string {
  return `${operation}:key:${boundedKey(key)}`;
}

/** What {@link ResilientCioClient} knows of a call between its idempotency guard and its outcome. */
interface GuardContext {
  storable: { args: unknown[]; personKey: string; spec?: OperationSpec } | undefined;
  repeatable: boolean;
  reportedKey: string;
  explicitKey: boolean;
  eventId?: string | undefined;
  /** Whether a `sent` result carries the value `send` resolved (`run()`). */
  keepValue?: boolean;
  /** When the app made the call (ms since the epoch): a queued identify or event keeps this time. */
  madeAt?: number;
  /** Whether it is one of a person's ordered updates (see `isOrdered`). */
  ordered?: boolean;
}

/** The last ordered operation of a person still under way, and the open batch it joined (if it did). */
interface PersonTail {
  readonly done: Promise<void>;
  readonly batch: number | undefined;
}

/** A call under way, as close() sees it at its deadline. */
interface InFlight {
  readonly operation: string;
  readonly storeKey: string | undefined;
  readonly ctx: GuardContext;
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
  /** Calls under way, by the promise their caller holds: what close() settles at its deadline. */
  readonly #pending = new Map<Promise<CioResult>, InFlight>();
  readonly #replays = new Map<string, RegisteredReplay>();
  /** How many ordered updates of each person this client has queued and not seen leave the queue. */
  readonly #queuedPersons = new Map<string, number>();
  /** The last pending ordered operation of each person (see {@link #inPersonOrder}). */
  readonly #personTails = new Map<string, PersonTail>();
  /** Holds the process open while a call, a flush or a close is pending. */
  readonly #alive = new KeepAlive();
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
    guardRedirects(this.#sdk.track);
    if (this.#sdk.app) guardRedirects(this.#sdk.app);
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
        redact: this.#redact,
        onStats: (stats) => this.#setStats(stats),
        onLeft: (entries) => {
          for (const e of entries) if (isOrdered(specOf(e.operation))) this.#countQueued(e.personKey, -1);
        },
      });
      if (o.drain.enabled) this.#drainer.start();
      this.#drainer.refreshSoon(); // a durable store may hold a backlog from an earlier run
    }
    if (o.batch) {
      // A batch is one request: one token of the rate limit, one result for the breaker. Over the
      // rate or with the circuit open its calls go to the queue, as single calls do.
      this.#batcher = new Batcher(
        (ops) => this.#pipeline.run(() => this.#sdk.track.batch(ops), { repeatable: true, canDefer: this.#queue !== undefined }),
        o.batch,
      );
    }
    for (const name of OPERATION_NAMES) {
      Object.defineProperty(this, name, {
        value: (...raw: unknown[]) => this.#alive.during(this.#call(name, raw)),
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

  flush(options: DrainOptions = {}): Promise<FlushResult> {
    return this.#alive.during(this.#flush(options));
  }

  async #flush(options: DrainOptions): Promise<FlushResult> {
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
    let timeoutMs: number;
    try {
      timeoutMs = checkTimeout('close', options);
    } catch (err) {
      return Promise.reject(err); // as flush() does: a promise API reports bad options by rejecting
    }
    this.#drainIntake(); // calls made before close() are taken as before
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
    if (this.#drainer) {
      try {
        result = await this.#drainer.flush(Math.max(0, deadline - Date.now()));
      } catch (err) {
        this.logger.error({ err: this.#redact(String(err)) }, 'customerio-resilience: draining the queue on close failed');
      }
      await this.#drainer.stop(deadline);
    }
    const kept = await this.#abandonInFlight();
    this.#pipeline.close();
    try {
      await this.#queue?.close();
      // The client owns the stores it was given: closing it releases their connections too.
      await this.#idempotency?.close?.();
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
      const error = new CioError('CLOSED', `the client closed while ${call.operation} was in flight; it may or may not have been delivered`, true, { maybeDelivered: true });
      answers.push(
        this.#onFailure(call.operation, call.storeKey, error, 0, call.ctx).then(
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
        storable: queue ? { args: [...(options.args ?? [])], personKey: '' } : undefined,
        repeatable,
        reportedKey: given ?? '',
        explicitKey: true,
        keepValue: true,
      },
    );
    return this.#alive.during(result) as Promise<RunResult<T>>;
  }

  /**
   * One Customer.io operation. A batched call (it waits for its batch anyway) is taken in once the
   * current tick's code has run, with every other batched call made in it, in one loop: under load
   * the validation, key and batch code then runs hot instead of once between two HTTP requests.
   */
  #call(operation: OperationName, raw: readonly unknown[]): Promise<CioResult> {
    let split: ReturnType<typeof splitArgs>;
    try {
      split = splitArgs(operation, raw);
    } catch {
      // Call options that are not an object one can read (a revoked Proxy, say).
      const invalid = new CioValidationError('options', `${operation}: the call options could not be read`);
      return Promise.resolve(this.#finish({ status: 'rejected', operation, idempotencyKey: '', attempts: 0, error: invalid }));
    }
    const { args, options, invalid } = split;
    if (invalid) return Promise.resolve(this.#finish({ status: 'rejected', operation, idempotencyKey: '', attempts: 0, error: invalid }));
    if (this.#batcher === undefined || options.batch !== true) {
      // Batched calls made before this one are taken in first: calls keep the order they were made in.
      if (this.#intake.length > 0) this.#drainIntake();
      return this.#take(operation, args, options);
    }
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
      const { reportedKey, storeKey } = this.#keyOf(operation, options.idempotencyKey, args);
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
      const op = options.batch && this.#batcher ? toBatchOp(operation, sendArgs, operation === 'identify' ? undefined : madeAt) : undefined;
      const batcher = op ? this.#batcher : undefined;
      const direct = batcher ? () => batcher.add(op!, single) ?? single() : single;
      const personKey = spec.personKey(args);
      // Upserts and deletes of one person go out in call order: one waits for the outcome of the
      // previous one, unless both ride in the same batch (carried in order), and while an earlier
      // one waits in this client's queue a later one is queued behind it, so a retry or a replay
      // of an earlier one can never land after a later one.
      const ordered = isOrdered(spec) && personKey !== '';
      const send = !ordered ? direct : this.#queuedPersons.has(personKey) ? queuedBehind : this.#inPersonOrder(personKey, direct, batcher);
      return this.#guarded(
        operation,
        storeKey,
        send,
        {
          ordered,
          storable: { args: sendArgs, personKey, spec },
          repeatable: spec.repeatable,
          reportedKey,
          explicitKey: options.idempotencyKey !== undefined,
          eventId,
          madeAt,
        },
      );
    } catch (err) {
      return Promise.resolve(this.#crashed({ operation, idempotencyKey: '' }, performance.now(), err));
    }
  }

  #countQueued(person: string, change: 1 | -1): void {
    const n = (this.#queuedPersons.get(person) ?? 0) + change;
    if (n > 0) this.#queuedPersons.set(person, n);
    else this.#queuedPersons.delete(person);
  }

  /**
   * `send`, started once the person's previous ordered operation has its outcome, or at once when
   * that one waits in the open batch this one joins too (a batch carries its operations in order).
   */
  #inPersonOrder(person: string, send: () => Promise<BatchedOutcome>, batcher: Batcher | undefined): () => Promise<BatchedOutcome> {
    return () => {
      const before = this.#personTails.get(person);
      const sameBatch = before !== undefined && batcher !== undefined && before.batch === batcher.openBatch;
      const run = before === undefined || sameBatch ? send() : before.done.then(send, send);
      const tail: PersonTail = { done: run.then(noop, noop), batch: batcher && (before === undefined || sameBatch) ? batcher.openBatch : undefined };
      this.#personTails.set(person, tail);
      void tail.done.then(() => {
        if (this.#personTails.get(person) === tail) this.#personTails.delete(person);
      });
      return run;
    };
  }

  /**
   * The keys of a call: the caller's key (reported as given, guarded by operation), else a content
   * key when the app opted in (`idempotency.contentKeys`), else none (the call is never a repeat).
   */
  #keyOf(operation: OperationName, given: string | undefined, args: readonly unknown[]): { reportedKey: string; storeKey: string | undefined } {
    if (given !== undefined) return { reportedKey: given, storeKey: callerStoreKey(operation, given) };
    const o = this.#options.idempotency;
    if (o && o.contentKeys) {
      const key = deriveIdempotencyKey(operation, args);
      return { reportedKey: key, storeKey: key };
    }
    return { reportedKey: '', storeKey: undefined };
  }

  /**
   * Idempotency guard, then `send`, then what to do with a failure. A call with no key (`storeKey`
   * undefined) goes straight to `send`: it is never a repeat.
   */
  #guarded(
    operation: string,
    storeKey: string | undefined,
    send: () => Promise<BatchedOutcome>,
    ctx: GuardContext,
  ): Promise<CioResult> {
    const base: ResultBase = ctx.eventId ? { operation, idempotencyKey: ctx.reportedKey, eventId: ctx.eventId } : { operation, idempotencyKey: ctx.reportedKey };
    const started = performance.now();
    if (this.#closed) return Promise.resolve(this.#finish({ ...base, status: 'failed', attempts: 0, error: new CioClosedError() }));
    if (storeKey !== undefined) {
      const running = this.#inFlight.get(storeKey);
      if (running) return running.then((first) => this.#joined(base, first, started));
    }

    const store = storeKey === undefined ? undefined : this.#idempotency;
    let reserved: boolean | Promise<boolean> = true;
    if (store) {
      try {
        const ttl = this.#options.idempotency || DEFAULTS.idempotency;
        reserved = store.reserve(storeKey!, ctx.explicitKey ? ttl.ttlMs : ttl.derivedTtlMs);
      } catch (err) {
        this.#storeFailed(operation, err); // reserved stays true
      }
    }
    let result!: Promise<CioResult>;
    const done = (): void => {
      if (storeKey !== undefined) this.#inFlight.delete(storeKey);
      this.#pending.delete(result);
    };
    let work: Promise<CioResult>;
    const call: InFlight = { operation, storeKey, ctx, base, started, settle: undefined!, routing: false, abandoned: false };
    if (typeof reserved === 'boolean') {
      // A store that answers at once (the in-memory one), or none: straight to `send`.
      if (!reserved) return Promise.resolve(this.#finish({ ...base, status: 'duplicate', attempts: 0 }, started));
      let sending: Promise<BatchedOutcome>;
      try {
        sending = send();
      } catch (err) {
        return Promise.resolve(this.#crashed(base, started, err));
      }
      work = sending.then(
        (outcome) => this.#settled(call, outcome),
        (err: unknown) => this.#crashed(base, started, err),
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
        return this.#settled(call, await send());
      })().catch((err: unknown) => this.#crashed(base, started, err));
    }
    // The caller's promise: the call's outcome, or what close() decides at its deadline.
    result = new Promise<CioResult>(capture);
    call.settle = captured!;
    captured = undefined;
    void work.then((r) => {
      done();
      if (!call.abandoned) call.settle(r);
    });
    if (storeKey !== undefined) this.#inFlight.set(storeKey, result);
    this.#pending.set(result, call);
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

  /** A shared store that is down must not stop delivery: send, and let Customer.io's ULID de-duplication help. */
  #storeFailed(operation: string, err: unknown): void {
    this.logger.warn({ operation, err: this.#redact(String(err)) }, 'customerio-resilience: idempotency store failed; sending anyway');
  }

  /** What a send's outcome makes of a call: `sent`, or what {@link #onFailure} decides. Never throws or rejects. */
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
      return this.#onFailure(operation, call.storeKey, outcome.error, outcome.attempts, ctx).then(
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

  async #onFailure(
    operation: string,
    storeKey: string | undefined,
    error: CioError,
    attempts: number,
    ctx: GuardContext,
  ): Promise<Pick<CioResult, 'status' | 'attempts' | 'error' | 'maybeQueued'>> {
    const release = async (): Promise<void> => {
      try {
        if (storeKey !== undefined) await this.#idempotency?.release(storeKey);
      } catch {
        /* the key expires by itself */
      }
    };
    let entry: QueueEntry | undefined;
    try {
      entry = ctx.storable && this.#queue ? this.#entry(operation, ctx.reportedKey, ctx.storable, ctx.eventId, error, ctx.madeAt ?? Date.now()) : undefined;
    } catch {
      // Arguments that cannot be stored as JSON (a custom operation's) cannot be queued.
      entry = undefined;
    }
    const durable = this.#queue !== undefined && this.#queue.durable !== false;
    const ambiguous =
      (!ctx.repeatable && error.maybeDelivered && this.#options.nonIdempotentDelivery === 'at-most-once' && error.retryable) ||
      // Closing: what may have been delivered and cannot be kept in a queue that outlives close().
      (error.code === 'CLOSED' && error.maybeDelivered && !(durable && entry !== undefined));
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
        const text = this.#redact(String(err)).slice(0, 300);
        this.logger.error({ operation, err: text }, 'customerio-resilience: the queue store failed');
        if ((err as { maybeQueued?: unknown } | null)?.maybeQueued === true) {
          // The write went out unconfirmed: it may be stored, and then it will be delivered, so
          // the caller must not be told it failed (it would send it again).
          this.#drainer?.kick();
          const unsure = new CioError('QUEUE_UNAVAILABLE', `${operation} was not delivered now and the queue store did not confirm keeping it; it may be queued`, true);
          return { status: 'queued', attempts, error: unsure, maybeQueued: true };
        }
        await release();
        const refused = new CioError('QUEUE_UNAVAILABLE', `${operation} was not delivered (${error.code}) and the queue store could not keep it; nothing was stored`, true, { maybeDelivered: error.maybeDelivered });
        return { status: 'failed', attempts, error: refused };
      }
      this.#bumpStats(outcome === 'queued' ? { depth: 1 } : { dropped: 1 });
      if (outcome === 'queued') {
        if (ctx.ordered) this.#countQueued(entry.personKey, 1);
        this.#emitter.emit('queued', { operation, idempotencyKey: ctx.reportedKey, error });
        this.#drainer?.kick();
        return { status: 'queued', attempts, error };
      }
      await release();
      this.#emitter.emit('dropped', { operation, idempotencyKey: ctx.reportedKey });
      this.logger.warn({ operation, idempotencyKey: ctx.reportedKey }, 'customerio-resilience: queue full, operation dropped');
      return { status: 'dropped', attempts, error: new CioError('QUEUE_FULL', `${operation} was not delivered (${error.code}) and the queue is full; it was dropped`, false) };
    }
    await release();
    return { status: 'failed', attempts, error };
  }

  #entry(operation: string, key: string, s: { args: unknown[]; personKey: string; spec?: OperationSpec }, eventId: string | undefined, error: CioError, madeAt: number): QueueEntry {
    const args = s.spec ? toStorableArgs(operation as OperationName, s.args, madeAt) : JSON.parse(JSON.stringify(s.args)) as unknown[];
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
    // While a read of the store's figures is under way it may or may not include this change (the
    // store confirmed it before): adding it too could count it twice, so the read after it tells.
    if (this.#drainer?.refreshing) {
      this.#drainer.refreshSoon();
      return;
    }
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
    if (this.#pending.size > 0) await beforeDeadline(Promise.allSettled([...this.#pending.keys()]), Date.now() + timeoutMs);
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
