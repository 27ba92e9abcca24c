/**
 * `customerio-resilience/express`: the request-scoped client, the health router and the operations
 * console for Express 5.
 * Imports Express types only; prom-client is loaded only when metrics are asked for.
 * @packageDocumentation
 */
import type { NextFunction, Request, Response } from 'express';
import type { CioClient } from '../client/CioClient.js';
import { assertClient } from './assertClient.js';
import { createConsole, readJsonBody, type CioConsoleRouterOptions } from './console/index.js';
import { healthRoutes } from './healthRoutes.js';
import { normalizeHealthRouterOptions, type CioHealthRouterOptions } from './healthRouterOptions.js';
import { normalizeMiddlewareOptions, type CioMiddlewareOptions } from './middlewareOptions.js';
import { idempotencyScopeOf } from './requestIdempotency.js';
import { RequestScopedClient } from './requestScope.js';
import type { ScopedCioClient } from './ScopedCioClient.js';
import { writeAnswer } from './writeAnswer.js';

declare global {
  namespace Express {
    interface Request {
      /** The request-scoped Customer.io client set by `cioMiddleware` (see {@link ScopedCioClient}). */
      cio: ScopedCioClient;
    }
  }
}

/** An Express middleware or router: a function of `(req, res, next)`. */
export type CioExpressHandler = (req: Request, res: Response, next: NextFunction) => void;

/** Options of the Express {@link cioMiddleware}. */
export type CioExpressMiddlewareOptions = CioMiddlewareOptions<Request>;

/** Options of the Express {@link cioHealthRouter}. */
export type CioExpressHealthRouterOptions = CioHealthRouterOptions<Request>;

/** Options of the Express {@link cioConsoleRouter}. */
export type CioExpressConsoleRouterOptions = CioConsoleRouterOptions<Request>;

/**
 * Sets `req.cio`, a request-scoped client: its calls are held and handed to `client` once the
 * response has finished or the connection closed (so also when the handler throws or the client
 * disconnects); awaiting one inside the handler resolves at once and never deadlocks. The
 * response is never delayed, failed or changed. The `Idempotency-Key` header scopes the calls'
 * idempotency keys. Throws a `TypeError` at once for invalid options.
 *
 * @example
 * app.use(cioMiddleware({ client: cio, personId: (req) => req.user?.id }));
 * app.post('/signup', (req, res) => { void req.cio.track(id, { name: 'signed_up' }); res.sendStatus(201); });
 */
export function cioMiddleware(options: CioExpressMiddlewareOptions): CioExpressHandler {
  const o = normalizeMiddlewareOptions(options);
  const { client, personId, idempotencyHeader, waitUntil } = o;
  return function cioRequestScope(req, res, next) {
    const scope = idempotencyHeader === undefined ? undefined : idempotencyScopeOf(req.headers[idempotencyHeader]);
    req.cio = new RequestScopedClient(client, scope, personId, req, res, waitUntil);
    next();
  };
}

/**
 * Answers `GET`/`HEAD` on `path` (default `/health/customerio`) with the client's health as JSON:
 * `{ customerio: { status, circuit_state, failure_count, last_failure, queue } }`, `200` while the
 * circuit is `CLOSED`, else `degradedStatus` (default `503`); `Cache-Control: no-store`; never
 * credentials. With `metrics`, also serves Prometheus text at `/metrics`. Every other request goes
 * to `next()`. Mount it with `app.use(cioHealthRouter(cio))`.
 */
export function cioHealthRouter(client: CioClient, options?: CioExpressHealthRouterOptions): CioExpressHandler {
  assertClient('cioHealthRouter', 'client', client);
  const o = normalizeHealthRouterOptions(options);
  const routes = healthRoutes(client, o);
  return function cioHealth(req, res, next) {
    const route = routes.match(req.method, req.path);
    if (!route) {
      next();
      return;
    }
    void (async () => {
      if (o.guard && !(await o.guard(req))) return next();
      writeAnswer(res, req.method, await routes.answer(route));
    })().catch(next);
  };
}

/**
 * The operations console: a page (no build step, nothing external) and JSON routes showing each
 * API's circuit, the queue, recent outcomes and the dead letters, with actions to re-drive or
 * discard dead letters, hold the circuits open and release them, and flush the queue. `guard` is
 * required (only its `true` admits a request; otherwise the request goes on to `next()`). Actions
 * are `POST`s with a JSON body from the same origin; every answer carries `Cache-Control: no-store`
 * and a strict Content-Security-Policy. Paths are relative to where it is mounted; `path` defaults
 * to `'/'`. Throws a `TypeError` at once without a guard or with invalid options.
 *
 * @example
 * app.use('/ops/customerio', cioConsoleRouter(cio, { guard: (req) => req.user?.isAdmin === true }));
 */
export function cioConsoleRouter(client: CioClient, options: CioExpressConsoleRouterOptions): CioExpressHandler {
  const { admits, routes } = createConsole(client, options, '/');
  return function cioConsole(req, res, next) {
    const route = routes.match(req.path);
    if (!route) {
      next();
      return;
    }
    void (async () => {
      if (!(await admits(req))) return next();
      const body: unknown = req.body;
      const answer = await routes.answer(route, { method: req.method, headers: req.headers, url: req.originalUrl, body: () => readJsonBody(req, body) });
      writeAnswer(res, req.method, answer);
    })().catch(next);
  };
}

export { cioMetrics, CIRCUIT_STATE_VALUES } from '../health/metrics.js';
export type { CioMetrics, CioMetricsOptions } from '../health/metrics.js';
export type { HealthBody } from '../health/healthResponse.js';
export type { CioMiddlewareOptions } from './middlewareOptions.js';
export type { CioHealthRouterOptions, CioHealthMetricsOptions } from './healthRouterOptions.js';
export type { CioConsoleRouterOptions, ConsoleDeadLetter, ConsoleDeadLetters, ConsoleStatus, OutcomeCounts, OutcomeKind, OutcomeSnapshot } from './console/index.js';
export type { DeferredCall, DeferredResult, ScopedCioClient, ScopedOperations } from './ScopedCioClient.js';
