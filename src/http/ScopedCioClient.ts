import type { CioClient, CioOperations } from '../client/CioClient.js';
import type { CioPipelines } from '../operations/types.js';
import type { CioResult, DrainOptions } from '../client/types.js';

/**
 * What a request-scoped call resolves to. Before the response has finished this is a placeholder,
 * `{ status: 'queued', operation, idempotencyKey, attempts: 0 }`: the call is deferred until the
 * response has finished, and its final outcome is reported through the client's events (`result`,
 * `sent`, `queued`, …) and through {@link DeferredResult.delivered}.
 */
export interface DeferredResult extends CioResult {
  /**
   * The real outcome, once the call has been handed to the client after the response finished.
   * Never rejects. A non-enumerable property: it does not show in JSON or deep equality.
   */
  readonly delivered: Promise<CioResult>;
}

/**
 * What a request-scoped call returns: a promise that settles at once (it never waits for the
 * response, so awaiting it inside a handler cannot deadlock) and never rejects, plus `delivered`,
 * the real outcome (see {@link DeferredResult.delivered}).
 */
export type DeferredCall = Promise<DeferredResult> & { readonly delivered: Promise<CioResult> };

/** The methods of `T`, same arguments, each answering a {@link DeferredCall}. */
type Scoped<T> = { [K in keyof T]: T[K] extends (...args: infer A) => unknown ? (...args: A) => DeferredCall : never };

/** Every Customer.io operation of {@link CioOperations}, same arguments, answering a {@link DeferredCall}. */
export type ScopedOperations = Scoped<CioOperations>;

/** The Data Pipelines operations of {@link CioPipelines}, same arguments, answering a {@link DeferredCall}. */
export type ScopedPipelines = Scoped<CioPipelines>;

/**
 * The request-scoped client found on `req.cio` (Express) or `ctx.cio` (Koa).
 *
 * Its operations take the client's arguments. Calls made while the request is handled are held and
 * handed to the client once the response has finished (also when the handler throws or the client
 * disconnects); calls made after that go to the client at once. Nothing here ever delays, fails or
 * changes the response. When the request carries an `Idempotency-Key` header, every call's
 * idempotency key is scoped by it, so a client that retries the same HTTP request does not send the
 * same Customer.io operation twice.
 */
export interface ScopedCioClient extends ScopedOperations {
  /** The Data Pipelines operations, held and handed over as the others are. */
  readonly pipelines: ScopedPipelines;
  /** The person the request is about, from the middleware's `personId` hook; `undefined` without one. */
  readonly personId: string | undefined;
  /** The request's idempotency scope (its `Idempotency-Key` header), or `undefined`. */
  readonly idempotencyScope: string | undefined;
  /** Whether the response has finished (calls now go to the client at once). */
  readonly dispatched: boolean;
  /** The underlying client, for a call that must go out before the response (its promise waits for Customer.io). */
  readonly client: CioClient;
  /**
   * Hands the calls held so far to the client now and resolves their outcomes, in call order, once
   * Customer.io answered them or they were queued (open batches go at once; the client's queue is
   * replayed within `timeoutMs`). For a process that may freeze once the response is sent (AWS Lambda,
   * Vercel, Cloud Functions): `await req.cio.flush()` before responding. Never changes the response.
   */
  flush(options?: DrainOptions): Promise<CioResult[]>;
}
