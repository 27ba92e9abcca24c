/**
 * `customerio-resilience/koa`: the request-scoped client, the health router and the operations
 * console for Koa 3.
 * Imports Koa types only; prom-client is loaded only when metrics are asked for.
 * @packageDocumentation
 */
import type { Middleware, ParameterizedContext } from 'koa';
import type { CioClient } from '../client/CioClient.js';
import { assertClient } from './assertClient.js';
import { createConsole, readJsonBody, type CioConsoleRouterOptions } from './console/index.js';
import { healthRoutes } from './healthRoutes.js';
import { normalizeHealthRouterOptions, type CioHealthRouterOptions } from './healthRouterOptions.js';
import { normalizeMiddlewareOptions, type CioMiddlewareOptions } from './middlewareOptions.js';
import { idempotencyScopeOf } from './requestIdempotency.js';
import { RequestScopedClient } from './requestScope.js';
import type { ScopedCioClient } from './ScopedCioClient.js';

declare module 'koa' {
  interface DefaultContext {
    /** The request-scoped Customer.io client set by `cioMiddleware` (see {@link ScopedCioClient}). */
    cio: ScopedCioClient;
  }
}

/** The context the hooks are given. */
export type CioKoaContext = ParameterizedContext;

/** Options of the Koa {@link cioMiddleware}. */
export type CioKoaMiddlewareOptions = CioMiddlewareOptions<CioKoaContext>;

/** Options of the Koa {@link cioHealthRouter}. */
export type CioKoaHealthRouterOptions = CioHealthRouterOptions<CioKoaContext>;

/** Options of the Koa {@link cioConsoleRouter}. */
export type CioKoaConsoleRouterOptions = CioConsoleRouterOptions<CioKoaContext>;

/**
 * Sets `ctx.cio`, a request-scoped client: its calls are held and handed to `client` once the
 * response has finished or the connection closed (so also when a middleware throws or the client
 * disconnects). Koa writes the response after the middleware chain has returned, so the calls wait
 * for the response's own end (its `close`) rather than for `next()`. Awaiting a call inside a
 * middleware resolves at once and never deadlocks; the response is never delayed, failed or
 * changed. The `Idempotency-Key` header scopes the calls' idempotency keys. Throws a `TypeError`
 * at once for invalid options.
 *
 * @example
 * app.use(cioMiddleware({ client: cio, personId: (ctx) => ctx.state.user?.id }));
 */
export function cioMiddleware(options: CioKoaMiddlewareOptions): Middleware {
  const o = normalizeMiddlewareOptions(options);
  const { client, personId, idempotencyHeader, waitUntil } = o;
  return function cioRequestScope(ctx, next) {
    const scope = idempotencyHeader === undefined ? undefined : idempotencyScopeOf(ctx.req.headers[idempotencyHeader]);
    ctx.cio = new RequestScopedClient(client, scope, personId, ctx, ctx.res, waitUntil);
    return next();
  };
}

/**
 * Answers `GET`/`HEAD` on `path` (default `/health/customerio`) with the client's health as JSON:
 * `{ customerio: { status, circuit_state, failure_count, last_failure, queue } }`, `200` while the
 * circuit is `CLOSED`, else `degradedStatus` (default `503`); `Cache-Control: no-store`; never
 * credentials. With `metrics`, also serves Prometheus text at `/metrics`. Every other request goes
 * to `next()`. Mount it with `app.use(cioHealthRouter(cio))`.
 */
export function cioHealthRouter(client: CioClient, options?: CioKoaHealthRouterOptions): Middleware {
  assertClient('cioHealthRouter', 'client', client);
  const o = normalizeHealthRouterOptions(options);
  const routes = healthRoutes(client, o);
  return async function cioHealth(ctx, next) {
    const route = routes.match(ctx.method, ctx.path);
    if (!route || (o.guard && !(await o.guard(ctx)))) return next();
    const answer = await routes.answer(route);
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  };
}

/**
 * The operations console: a page (no build step, nothing external) and JSON routes showing each
 * API's circuit, the queue, recent outcomes and the dead letters, with actions to re-drive or
 * discard dead letters, hold the circuits open and release them, and flush the queue. `guard` is
 * required (only its `true` admits a request; otherwise the request goes on to `next()`). Actions
 * are `POST`s with a JSON body from the same origin; every answer carries `Cache-Control: no-store`
 * and a strict Content-Security-Policy. Koa has no mount paths: the console lives under `path`,
 * `'/ops/customerio'` by default (`'/'` under `koa-mount`). Throws a `TypeError` at once without a
 * guard or with invalid options.
 *
 * @example
 * app.use(cioConsoleRouter(cio, { guard: (ctx) => ctx.state.user?.isAdmin === true }));
 */
export function cioConsoleRouter(client: CioClient, options: CioKoaConsoleRouterOptions): Middleware {
  const { admits, routes } = createConsole(client, options, '/ops/customerio');
  return async function cioConsole(ctx, next) {
    const route = routes.match(ctx.path);
    if (!route || !(await admits(ctx))) return next();
    // What a body parser (koa-bodyparser, @koa/bodyparser) already read, if one ran.
    const parsed: unknown = Reflect.get(ctx.request, 'body');
    const answer = await routes.answer(route, { method: ctx.method, headers: ctx.req.headers, url: ctx.originalUrl, body: () => readJsonBody(ctx.req, parsed) });
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  };
}

export { cioMetrics, CIRCUIT_STATE_VALUES } from '../health/metrics.js';
export type { CioMetrics, CioMetricsOptions } from '../health/metrics.js';
export type { HealthBody } from '../health/healthResponse.js';
export type { CioMiddlewareOptions } from './middlewareOptions.js';
export type { CioHealthRouterOptions, CioHealthMetricsOptions } from './healthRouterOptions.js';
export type { CioConsoleRouterOptions, ConsoleDeadLetter, ConsoleDeadLetters, ConsoleStatus, OutcomeCounts, OutcomeKind, OutcomeSnapshot } from './console/index.js';
export type { DeferredCall, DeferredResult, ScopedCioClient, ScopedOperations } from './ScopedCioClient.js';
