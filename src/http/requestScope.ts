import type { ServerResponse } from 'node:http';
import type { CioClient } from '../client/CioClient.js';
import type { CallOptions, CioResult, OperationName } from '../client/types.js';
import { CioError } from '../errors/CioError.js';
import { deriveIdempotencyKey } from '../idempotency/keys.js';
import { onResponseDone, responseOver } from './onResponseDone.js';
import { OPERATION_ARITY, SCOPED_OPERATIONS } from './operationArity.js';
import { scopedIdempotencyKey } from './requestIdempotency.js';
import { snapshotArgs } from './snapshot.js';
import type { DeferredCall, DeferredResult, ScopedCioClient, ScopedOperations } from './ScopedCioClient.js';

/** Settings of one request's scope. */
export interface RequestScopeOptions {
  /** The request's idempotency scope. */
  idempotencyScope: string | undefined;
  /** Reads the request's person id (the app's hook), or `undefined` without a hook. */
  personId: (() => unknown) | undefined;
}

/** A request's scoped client and the switch that hands its held calls to the client. */
export interface RequestScope {
  /** The client to expose on the request. */
  readonly cio: ScopedCioClient;
  /** Hands held calls to the client, in call order; later calls go at once. Idempotent. */
  release(): void;
}

/*
 * Cost model. A scope is built for every request that goes through the middleware, most of which
 * make no Customer.io call, so building one is a single small allocation: the operations live once
 * on the prototype, the state in private fields (mutable although the instance is frozen), the
 * response listeners are attached by the first held call, and the list of held calls is made then
 * too. A call pays for what it needs: the snapshot of its arguments, and a key only when it has one
 * (its own, or one under the request's `Idempotency-Key` header). The promise returned has
 * `delivered` on its prototype (no property defined per call).
 */

/** One call of a scope: the arguments that go to the client and its idempotency key, if any. */
class Call {
  readonly operation: OperationName;
  /** The snapshot of the call's arguments (without options). */
  readonly args: unknown[];
  /** The idempotency key handed to the client (under a header scope, or the caller's own), else `undefined`. */
  readonly key: string | undefined;
  /** Settles the call's `delivered` promise while it is held. */
  resolve: ((result: CioResult) => void) | undefined = undefined;

  constructor(operation: OperationName, args: unknown[], key: string | undefined) {
    this.operation = operation;
    this.args = args;
    this.key = key;
  }

  /** The arguments handed to the client: the snapshot, then the call options (batched, with the key if any). */
  clientArgs(): unknown[] {
    const arity = OPERATION_ARITY[this.operation];
    const args = this.args.slice(0, arity);
    while (args.length < arity) args.push(undefined);
    args.push(this.key === undefined ? BATCHED : { idempotencyKey: this.key, batch: true });
    return args;
  }

  /** The key the call is reported under: its own, or `''` for a call with none (it is never a repeat). */
  get reportedKey(): string {
    return this.key ?? '';
  }
}

/**
 * The call options of a request-scoped call: it may wait a moment to go out with others in one
 * batch request (its result is not awaited by the request).
 */
const BATCHED: CallOptions = Object.freeze({ batch: true });

/** Whether each value is a primitive (copied as is). */
function plainPrimitives(values: readonly unknown[]): boolean {
  for (const v of values) {
    const t = typeof v;
    if (v !== null && t !== 'string' && t !== 'number' && t !== 'boolean' && t !== 'undefined' && t !== 'bigint') return false;
  }
  return true;
}

let capturedResult: ((value: DeferredResult | PromiseLike<DeferredResult>) => void) | undefined;
const captureResult = (resolve: (value: DeferredResult | PromiseLike<DeferredResult>) => void): void => {
  capturedResult = resolve;
};

/**
 * The promise a scoped call returns: a Promise whose `delivered` is a getter on the prototype (no
 * property defined per call). Its `then` gives plain promises.
 */
class DeferredCallPromise extends Promise<DeferredResult> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  #delivered: Promise<CioResult> | undefined;

  /** The real outcome, once the call has been handed to the client. Never rejects. */
  get delivered(): Promise<CioResult> {
    return this.#delivered!;
  }

  /** A promise of `value` whose `delivered` is `delivered`. */
  static of(value: DeferredResult | Promise<DeferredResult>, delivered: Promise<CioResult>): DeferredCall {
    const p = new DeferredCallPromise(captureResult);
    const resolve = capturedResult!;
    capturedResult = undefined;
    p.#delivered = delivered;
    resolve(value);
    return p as DeferredCall;
  }
}

/** A call that goes to the client at once: resolves with its real outcome. */
function settledCall(delivered: Promise<CioResult>): DeferredCall {
  return DeferredCallPromise.of(
    delivered.then((r) => {
      const result = { ...r };
      Object.defineProperty(result, 'delivered', { value: delivered, enumerable: false });
      return result as DeferredResult;
    }),
    delivered,
  );
}

/**
 * The placeholder a held call resolves to: `{ status: 'queued', operation, idempotencyKey, attempts: 0 }`,
 * own enumerable properties in that order (as a plain object would have them), and `delivered`, a
 * getter on the prototype: it shows in neither JSON, `Object.keys`, spread nor deep equality, and
 * costs no property definition per call.
 */
class Placeholder implements DeferredResult {
  status = 'queued' as const;
  operation: OperationName;
  idempotencyKey: string;
  attempts = 0;
  readonly #delivered: Promise<CioResult>;

  constructor(call: Call, delivered: Promise<CioResult>) {
    this.operation = call.operation;
    this.idempotencyKey = call.reportedKey;
    this.#delivered = delivered;
  }

  /** The real outcome, once the call has been handed to the client. Never rejects. */
  get delivered(): Promise<CioResult> {
    return this.#delivered;
  }
}

let captured: ((result: CioResult) => void) | undefined;
/** A promise executor that keeps no per-call closure: the caller takes `captured` right after. */
const capture = (resolve: (result: CioResult) => void): void => {
  captured = resolve;
};

/** Hands the scope's held calls to its client; set up by the class. */
let releaseScope: (cio: RequestScopedClient) => void;

/** The operations of {@link RequestScopedClient}: defined once, on its prototype. */
export interface RequestScopedClient extends ScopedOperations {}

/**
 * The request-scoped client. Built frozen; its state is in private fields. The operations are
 * accessors on the prototype that give a function bound to the instance (made on first use and
 * kept), so `const { track } = req.cio` keeps working as with a plain object.
 */
export class RequestScopedClient implements ScopedCioClient {
  /** The request's idempotency scope (its `Idempotency-Key` header), or `undefined`. */
  readonly idempotencyScope: string | undefined;
  /** The underlying client. */
  readonly client: CioClient;
  readonly #hook: ((target: never) => unknown) | undefined;
  readonly #target: unknown;
  /** The response whose end releases the calls; `undefined` when released by hand. */
  readonly #res: ServerResponse | undefined;
  #released = false;
  #listening = false;
  #held: Call[] | undefined = undefined;
  #bound: Partial<Record<OperationName, (...raw: unknown[]) => DeferredCall>> | undefined = undefined;
  /** Under a header scope: how many calls of each content this request has made. */
  #seen: Map<string, number> | undefined = undefined;

  /**
   * @param hook - reads the person id; called as `hook(target)`.
   * @param res - the response: the held calls go to the client once it has finished or its
   *   connection closed (listened to from the first held call). Without one, `release` does it.
   */
  constructor(
    client: CioClient,
    idempotencyScope: string | undefined,
    hook: ((target: never) => unknown) | undefined,
    target: unknown,
    res: ServerResponse | undefined,
  ) {
    this.idempotencyScope = idempotencyScope;
    this.client = client;
    this.#hook = hook;
    this.#target = target;
    this.#res = res;
    Object.freeze(this);
  }

  static {
    releaseScope = (cio) => cio.#release();
    for (const name of SCOPED_OPERATIONS) {
      Object.defineProperty(this.prototype, name, {
        get(this: RequestScopedClient) {
          const bound = (this.#bound ??= {});
          return (bound[name] ??= (...raw: unknown[]) => this.#call(name, raw));
        },
        enumerable: false,
        configurable: false,
      });
    }
  }

  /** The person the request is about, from the middleware's `personId` hook; `undefined` without one. */
  get personId(): string | undefined {
    const hook = this.#hook as ((target?: unknown) => unknown) | undefined;
    if (!hook) return undefined;
    try {
      const target = this.#target;
      const id = target === undefined ? hook() : hook(target);
      if (typeof id === 'number' && Number.isFinite(id)) return String(id);
      return typeof id === 'string' && id !== '' ? id : undefined;
    } catch (err) {
      this.#log('personId', err, 'the personId hook threw; personId reads undefined');
      return undefined;
    }
  }

  /** Whether the response has finished (calls now go to the client at once). */
  get dispatched(): boolean {
    return this.#over();
  }

  /**
   * Whether calls go to the client at once. The response itself tells, as its listeners would have
   * by now: before the first held call nothing listens, and a `'finish'` listener of the app that
   * was added before it runs before it.
   */
  #over(): boolean {
    if (this.#released) return true;
    const res = this.#res;
    if (res === undefined || !responseOver(res)) return false;
    this.#release();
    return true;
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    for (const call of held) this.#deliver(call, call.resolve!);
  }

  #log(operation: string, err: unknown, what = 'a request-scoped call could not be dispatched'): void {
    try {
      this.client.logger.error({ operation, err: err instanceof Error ? err.name : typeof err }, `customerio-resilience: ${what}`);
    } catch {
      /* a throwing logger must not reach the request */
    }
  }

  #failed(operation: OperationName, key: string, err: unknown): CioResult {
    this.#log(operation, err);
    return { status: 'failed', operation, idempotencyKey: key, attempts: 0, error: new CioError('UNKNOWN', `${operation} could not be dispatched`, false) };
  }

  /** Hands the call to the client; `settle` gets its outcome (a `failed` result if the client threw or rejected). */
  #deliver(call: Call, settle: (result: CioResult) => void): void {
    const client = this.client;
    try {
      const method = client[call.operation] as (...a: unknown[]) => Promise<CioResult>;
      // One link on the client's promise (it never rejects; a wrapped client might).
      Promise.resolve(method.apply(client, call.clientArgs())).then(settle, (err: unknown) => settle(this.#failed(call.operation, call.reportedKey, err)));
    } catch (err) {
      settle(this.#failed(call.operation, call.reportedKey, err));
    }
  }

  #dispatch(call: Call): Promise<CioResult> {
    const delivered = new Promise<CioResult>(capture);
    const settle = captured!;
    captured = undefined;
    this.#deliver(call, settle);
    return delivered;
  }

  /** The key of a keyless call under a header scope: its content key and its ordinal among identical calls. */
  #occurrence(operation: OperationName, args: readonly unknown[]): string {
    let content: string;
    try {
      content = deriveIdempotencyKey(operation, args);
    } catch {
      content = operation; // unreadable arguments: the client's validation rejects them
    }
    const seen = (this.#seen ??= new Map());
    const n = (seen.get(content) ?? 0) + 1;
    seen.set(content, n);
    return n === 1 ? content : `${content}#${n}`;
  }

  /** Never throws: a failure here is reported as a `failed` result, never to the request. */
  #call(operation: OperationName, raw: readonly unknown[]): DeferredCall {
    try {
      const arity = OPERATION_ARITY[operation];
      // The snapshot: the arguments as they are now, so changes the handler makes afterwards do not leak in.
      let args = raw.slice(0, arity);
      // snapshotArgs never throws: what it cannot copy it hands over as is, for validation to judge.
      if (!plainPrimitives(args)) args = snapshotArgs(args);
      const given = raw[arity] as CallOptions | undefined;
      const own = typeof given === 'object' && given !== null && typeof given.idempotencyKey === 'string' ? given.idempotencyKey : undefined;
      const scope = this.idempotencyScope;
      // Only a key marks a repeat: the caller's own, or one under the request's Idempotency-Key
      // header, where a call is known by its content and how many identical calls came before it
      // in this request (a retried request makes the same calls; two identical calls in one
      // request are two operations).
      const key = scope === undefined ? own : scopedIdempotencyKey(scope, own ?? this.#occurrence(operation, args));
      const call = new Call(operation, args, key);

      if (!this.#over() && !this.#listening && this.#res !== undefined) {
        // The first held call of the request listens for the end of the response.
        onResponseDone(this.#res, releaseScope, this);
        this.#listening = true;
      }
      if (this.#released) return settledCall(this.#dispatch(call));
      const delivered = new Promise<CioResult>(capture);
      call.resolve = captured;
      captured = undefined;
      (this.#held ??= []).push(call);
      return DeferredCallPromise.of(new Placeholder(call, delivered), delivered);
    } catch (err) {
      return settledCall(Promise.resolve(this.#failed(operation, '', err)));
    }
  }
}

/** Creates the scoped client of one request. The caller calls `release()` when the response is over. */
export function createRequestScope(client: CioClient, options: RequestScopeOptions): RequestScope {
  const cio = new RequestScopedClient(client, options.idempotencyScope, options.personId, undefined, undefined);
  return {
    cio,
    release(): void {
      releaseScope(cio);
    },
  };
}
