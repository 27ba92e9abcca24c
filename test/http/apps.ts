/**
 * The same small app built on Express 5 and on Koa 3, so that one suite runs against both
 * (as express-rate-limit runs one suite against every store).
 */
import type { RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import Koa from 'koa';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioResult } from '../../src/client/types.js';
import type { CioEmulator } from '../../src/testing/index.js';
import * as cioExpress from '../../src/http/express.js';
import * as cioKoa from '../../src/http/koa.js';
import type { CioHealthRouterOptions } from '../../src/http/healthRouterOptions.js';
import type { ScopedCioClient } from '../../src/http/ScopedCioClient.js';

/** What the app's handlers saw, for the tests to look at. */
export interface Probe {
  /** Order of things: `finish` (the response finished) and `call:<op>` (the real client was called). */
  readonly log: string[];
  /** `emu.requests.length` when each response finished. */
  readonly atFinish: number[];
  /** The `delivered` promise of every scoped call the handlers made. */
  readonly delivered: Promise<CioResult>[];
  /** Scoped clients kept by `/scoped`, with a promise of their response's end. */
  readonly scoped: Array<{ cio: ScopedCioClient; finished: Promise<void> }>;
  /** Error messages the app's own error handling saw. */
  readonly errors: string[];
  /** Resolves when `/hang` has made its call. */
  readonly entered: Promise<void>;
  enter(): void;
}

/** A new, empty probe. */
export function probe(): Probe {
  let enter!: () => void;
  const entered = new Promise<void>((resolve) => (enter = resolve));
  return { log: [], atFinish: [], delivered: [], scoped: [], errors: [], entered, enter };
}

/** A client that delegates to `client`, with some operations replaced. */
export function wrapClient(client: CioClient, override: (op: string, real: (...args: unknown[]) => unknown) => ((...args: unknown[]) => unknown) | undefined): CioClient {
  // The target is a blank object: the client's own methods are non-configurable, which a Proxy may not change.
  return new Proxy({} as CioClient, {
    get(_target, prop) {
      const value: unknown = Reflect.get(client, prop, client);
      if (typeof value !== 'function') return value;
      const real = (value as (...args: unknown[]) => unknown).bind(client);
      return (typeof prop === 'string' && override(prop, real)) || real;
    },
  });
}

/** A client whose `track`, `identify` and `trackPageView` note `call:<op>` in the probe's log when invoked. */
export function recording(client: CioClient, p: Probe): CioClient {
  return wrapClient(client, (op, real) =>
    ['track', 'identify', 'trackPageView'].includes(op)
      ? (...args) => {
          p.log.push(`call:${op}`);
          return real(...args);
        }
      : undefined,
  );
}

/** What an app is built from. */
export interface AppSpec {
  client: CioClient;
  emu: CioEmulator;
  probe: Probe;
  /** Install `cioMiddleware` (default true). */
  middleware?: boolean;
  /** Mount `cioHealthRouter` with these options. */
  health?: CioHealthRouterOptions<never>;
}

/** Builds the test app on one framework. */
export interface Driver {
  readonly name: 'express' | 'koa';
  build(spec: AppSpec): RequestListener;
}

const EVENT = (name: string): { name: string } => ({ name });

export const expressDriver: Driver = {
  name: 'express',
  build({ client, emu, probe: p, middleware = true, health }) {
    const app = express();
    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.on('finish', () => {
        p.log.push('finish');
        p.atFinish.push(emu.requests.length);
      });
      next();
    });
    if (middleware) app.use(cioExpress.cioMiddleware({ client, personId: (req) => req.get('x-user') }));
    if (health) app.use(cioExpress.cioHealthRouter(client, health as CioHealthRouterOptions<Request>));
    app.get('/track', (req, res) => {
      p.delivered.push(req.cio.track(req.cio.personId ?? 'anon', EVENT(String(req.query['name'] ?? 'viewed'))).delivered);
      res.send('ok');
    });
    app.get('/await', async (req, res) => {
      const r = await req.cio.track('u1', EVENT('awaited'));
      p.delivered.push(r.delivered);
      res.json({ status: r.status, keys: Object.keys(r) });
    });
    app.get('/throw', async (req) => {
      if (middleware) p.delivered.push((await req.cio.track('u1', EVENT('before_throw'))).delivered);
      throw new Error('boom');
    });
    app.get('/hang', (req) => {
      p.delivered.push(req.cio.track('u1', EVENT('abandoned')).delivered);
      p.enter();
    });
    app.post('/order', (req, res) => {
      p.delivered.push(req.cio.track('u1', { name: 'order_placed', data: { sku: 'A1' } }).delivered);
      res.status(201).json({ ok: true });
    });
    app.get('/scoped', (req, res) => {
      p.scoped.push({ cio: req.cio, finished: new Promise((resolve) => res.on('finish', () => resolve())) });
      res.send('ok');
    });
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      p.errors.push(err.message);
      res.status(500).json({ error: err.message });
    });
    return app;
  },
};

export const koaDriver: Driver = {
  name: 'koa',
  build({ client, emu, probe: p, middleware = true, health }) {
    const app = new Koa();
    app.on('error', (err: Error) => p.errors.push(err.message));
    app.use((ctx, next) => {
      ctx.res.on('finish', () => {
        p.log.push('finish');
        p.atFinish.push(emu.requests.length);
      });
      return next();
    });
    if (middleware) app.use(cioKoa.cioMiddleware({ client, personId: (ctx) => ctx.get('x-user') || undefined }));
    if (health) app.use(cioKoa.cioHealthRouter(client, health as CioHealthRouterOptions<Koa.ParameterizedContext>));
    app.use(async (ctx, next) => {
      const route = `${ctx.method} ${ctx.path}`;
      if (route === 'GET /track') {
        p.delivered.push(ctx.cio.track(ctx.cio.personId ?? 'anon', EVENT(String(ctx.query['name'] ?? 'viewed'))).delivered);
        ctx.body = 'ok';
      } else if (route === 'GET /await') {
        const r = await ctx.cio.track('u1', EVENT('awaited'));
        p.delivered.push(r.delivered);
        ctx.body = { status: r.status, keys: Object.keys(r) };
      } else if (route === 'GET /throw') {
        if (middleware) p.delivered.push((await ctx.cio.track('u1', EVENT('before_throw'))).delivered);
        throw new Error('boom');
      } else if (route === 'GET /hang') {
        p.delivered.push(ctx.cio.track('u1', EVENT('abandoned')).delivered);
        p.enter();
        await new Promise<void>((resolve) => ctx.req.once('close', resolve));
        ctx.respond = false;
      } else if (route === 'POST /order') {
        p.delivered.push(ctx.cio.track('u1', { name: 'order_placed', data: { sku: 'A1' } }).delivered);
        ctx.status = 201;
        ctx.body = { ok: true };
      } else if (route === 'GET /scoped') {
        const res = ctx.res;
        p.scoped.push({ cio: ctx.cio, finished: new Promise((resolve) => res.on('finish', () => resolve())) });
        ctx.body = 'ok';
      } else {
        await next();
      }
    });
    return app.callback();
  },
};

/** Both frameworks. */
export const DRIVERS: readonly Driver[] = [expressDriver, koaDriver];
