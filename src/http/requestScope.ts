import type { ServerResponse } from 'node:http';
import { activeContext } from '../telemetry/tracing.js';
import type { CioClient } from '../client/CioClient.js';
import { ResilientClient } from '../client/ResilientClient.js';
import type { Submission } from '../client/submission.js';
import { CioError } from '../errors/CioError.js';
import { deriveIdempotencyKey } from '../idempotency/keys.js';
import type { DrainOptions } from '../client/types.js';
import type { CallOptions, CioResult, CallName } from '../operations/types.js';
import { responseOver } from './responseOver.js';
import { scopedIdempotencyKey } from './requestIdempotency.js';
import { snapshotArgs } from './snapshot.js';
import type { DeferredCall, DeferredResult, ScopedCioClient } from './ScopedCioClient.js';
import { CALL, OperationMethods, methodOf } from '../operations/methods.js';

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

/**
 * The placeholder a held call resolves to: `{ status: 'queued', operation, idempotencyKey, attempts: 0 }`
 * as own enumerable properties, and `delivered`, a getter on the class: it shows in neither JSON,
 * `Object.keys`, spread nor deep equality.
 */
class Placeholder implements DeferredResult {
  status = 'queued' as const;
  operation: CallName;
  idempotencyKey: string;
  attempts = 0;
  readonly #delivered: Promise<CioResult>;

  constructor(operation: CallName, idempotencyKey: string, delivered: Promise<CioResult>) {
    this.operation = operation;
    this.idempotencyKey = idempotencyKey;
    this.#delivered = delivered;
  }

  /** The real outcome, once the call has been handed to the client. Never rejects. */
  get delivered(): Promise<CioResult> {
    return this.#delivered;
  }
}

/** A promise of `value` that also carries `delivered`. */
function deferredCall(value: DeferredResult | Promise<DeferredResult>, delivered: Promise<CioResult>): DeferredCall {
  return Object.assign(Promise.resolve(value), { delivered });
}

/** The real outcome as a {@link DeferredResult}: the result, with `delivered` (not enumerable) pointing to itself. */
function withDelivered(delivered: Promise<CioResult>): Promise<DeferredResult> {
  return delivered.then((r) => Object.defineProperty({ ...r }, 'delivered', { value: delivered, enumerable: false }) as DeferredResult);
}

/**
 * The request-scoped client found on `req.cio` / `ctx.cio`. Calls made while the request is handled
 * are held (each as a snapshot of its arguments) and handed to the client once the response has
 * finished or its connection closed; calls made after that go at once. Each call goes to the client
 * through its one internal entry point, `submit()`, as a batched call: the scope's list is the only
 * buffer before the client's open batch. Building a scope allocates one object: the response is
 * listened to from the first held call, and most requests make none.
 */
export class RequestScopedClient extends OperationMethods<DeferredCall> implements ScopedCioClient {
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
  #held: Array<{ call: Submission; settle: (result: CioResult) => void }> | undefined = undefined;
  /** The outcomes of every call this scope made, for {@link flush} and `waitUntil` (made by the first call). */
  #outcomes: Array<Promise<CioResult>> | undefined = undefined;
  /** The platform's `waitUntil` (serverless), given the scope's delivery once it has calls. */
  readonly #waitUntil: ((promise: Promise<unknown>) => void) | undefined;
  /** Ends the `waitUntil` wait's first step: the held calls went to the client. */
  #onRelease: (() => void) | undefined = undefined;
  /** Under a header scope: how many calls of each content this request has made. */
  #seen: Map<string, number> | undefined = undefined;

  /**
   * @param hook - reads the person id; called as `hook(target)`.
   * @param res - the response: the held calls go to the client once it has finished or its
   *   connection closed (listened to from the first held call). Without one, {@link RequestScopedClient.release} does it.
   */
  constructor(
    client: CioClient,
    idempotencyScope: string | undefined,
    hook: ((target: never) => unknown) | undefined,
    target: unknown,
    res: ServerResponse | undefined,
    waitUntil?: (promise: Promise<unknown>) => void,
  ) {
    super();
    this.#waitUntil = waitUntil;
    this.idempotencyScope = idempotencyScope;
    this.client = client;
    this.#hook = hook;
    this.#target = target;
    this.#res = res;
  }

  /** Hands the held calls of `cio` to its client, in call order; later calls go at once. Idempotent. */
  static release(cio: RequestScopedClient): void {
    cio.#release();
  }

  /**
   * Hands the calls held so far to the client now (not when the response has finished) and resolves
   * their outcomes, in call order, once Customer.io answered them or they were queued; open batches go
   * at once and the client's queue is replayed within `timeoutMs` (the client's `flush()`). For a
   * process that may freeze once the response is sent (AWS Lambda, Vercel, Cloud Functions):
   * `await req.cio.flush()` before responding. Later calls go to the client at once.
   */
  async flush(options: DrainOptions = {}): Promise<CioResult[]> {
    this.#release();
    const [, ...results] = await Promise.all([this.client.flush(options), ...(this.#outcomes ?? [])]);
    return results;
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
    for (const h of held) void this.#submit(h.call).then(h.settle);
    this.#onRelease?.();
  }

  #log(operation: string, err: unknown, what = 'a request-scoped call could not be dispatched'): void {
    try {
      this.client.logger.error({ operation, err: err instanceof Error ? err.name : typeof err }, `customerio-resilience: ${what}`);
    } catch {
      /* a throwing logger must not reach the request */
    }
  }

  #failed(operation: CallName, key: string, err: unknown): CioResult {
    this.#log(operation, err);
    return { status: 'failed', operation, idempotencyKey: key, attempts: 0, error: new CioError('UNKNOWN', `${operation} could not be dispatched`, false) };
  }

  /**
   * Hands the call to the client: straight to `submit()` for a client made by `createCioClient`,
   * else (a wrapped client) through its method. Never rejects.
   */
  #submit(call: Submission): Promise<CioResult> {
    const key = call.idempotencyKey ?? '';
    try {
      const client = this.client;
      if (ResilientClient.owns(client)) return client.submit(call);
      const method = methodOf(client, call.operation);
      if (method === undefined) throw new TypeError(`the client has no method for ${call.operation}`);
      const options: CallOptions = call.idempotencyKey === undefined ? { batch: true } : { idempotencyKey: call.idempotencyKey, batch: true };
      return Promise.resolve(method(...call.args, options) as Promise<CioResult>).catch((err: unknown) => this.#failed(call.operation, key, err));
    } catch (err) {
      return Promise.resolve(this.#failed(call.operation, key, err));
    }
  }

  /**
   * Starts the list of the scope's outcomes with the first held call and, on a serverless platform,
   * hands the platform a promise that settles once the held calls were delivered (after the response:
   * their batch is sent at once, not after its window), so the function is not frozen before.
   */
  #track(first: Promise<CioResult>): void {
    const outcomes = (this.#outcomes = [first]);
    const waitUntil = this.#waitUntil;
    if (waitUntil === undefined) return;
    const { promise: released, resolve } = Promise.withResolvers<void>();
    this.#onRelease = resolve;
    const delivered = released.then(() => Promise.all([this.client.flush(), ...outcomes])).then(
      () => undefined,
      () => undefined,
    );
    try {
      waitUntil(delivered);
    } catch (err) {
      this.#log('waitUntil', err, 'the waitUntil hook threw; the calls are delivered as usual');
    }
  }

  /** The key of a keyless call under a header scope: its content key and its ordinal among identical calls. */
  #occurrence(operation: CallName, args: readonly unknown[]): string {
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
  protected override [CALL](operation: CallName, raw: unknown[], rawOptions: unknown): DeferredCall {
    const options = rawOptions as CallOptions | undefined;
    try {
      // The snapshot: the arguments as they are now, so changes the handler makes afterwards do not
      // leak in. snapshotArgs never throws: what it cannot copy it hands over as is, for validation to judge.
      const args = snapshotArgs(raw);
      const own = typeof options === 'object' && options !== null && typeof options.idempotencyKey === 'string' ? options.idempotencyKey : undefined;
      const scope = this.idempotencyScope;
      // Only a key marks a repeat: the caller's own, or one under the request's Idempotency-Key
      // header, where a call is known by its content and how many identical calls came before it
      // in this request (a retried request makes the same calls; two identical calls in one
      // request are two operations).
      const idempotencyKey = scope === undefined ? own : scopedIdempotencyKey(scope, own ?? this.#occurrence(operation, args));
      // The active span (the request's) is the parent of the call's, though it is sent after the response.
      const call: Submission = { operation, args, idempotencyKey, batch: true, parent: activeContext() };

      if (this.#over()) {
        const delivered = this.#submit(call);
        (this.#outcomes ??= []).push(delivered);
        return deferredCall(withDelivered(delivered), delivered);
      }
      if (!this.#listening && this.#res !== undefined) {
        // The first held call of the request listens for the end of the response ('close' comes
        // for every response: right after 'finish', or when its connection closed first).
        this.#res.on('close', () => this.#release());
        this.#listening = true;
      }
      const { promise: delivered, resolve } = Promise.withResolvers<CioResult>();
      if (this.#outcomes === undefined) this.#track(delivered);
      else this.#outcomes.push(delivered);
      (this.#held ??= []).push({ call, settle: resolve });
      return deferredCall(new Placeholder(operation, idempotencyKey ?? '', delivered), delivered);
    } catch (err) {
      const delivered = Promise.resolve(this.#failed(operation, '', err));
      return deferredCall(withDelivered(delivered), delivered);
    }
  }
}

/** Creates the scoped client of one request. The caller calls `release()` when the response is over. */
export function createRequestScope(client: CioClient, options: RequestScopeOptions): RequestScope {
  const cio = new RequestScopedClient(client, options.idempotencyScope, options.personId, undefined, undefined);
  return {
    cio,
    release(): void {
      RequestScopedClient.release(cio);
    },
  };
}
