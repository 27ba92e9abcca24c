/**
 * A Koa 3 app using customerio-resilience: request-scoped calls on `ctx.cio`, a health route
 * with Prometheus metrics, and an `Idempotency-Key`-aware order endpoint.
 *
 * Run it against a local Customer.io emulator: `npx tsx examples/koa-app.ts` (PORT to choose the
 * port), then e.g. `curl -XPOST localhost:PORT/signup -H 'content-type: application/json'
 * -d '{"id":"u1","email":"u1@example.com"}'` and `curl localhost:PORT/health/customerio`.
 * In an app of your own, import from 'customerio-resilience' and 'customerio-resilience/koa'.
 */
import type { IncomingMessage } from 'node:http';
import Koa from 'koa';
import type { CioClient } from '../src/index.js';
import { cioHealthRouter, cioMiddleware } from '../src/http/koa.js';
import { serveExampleWhenRun } from './serveExample.js';

/** Reads a small JSON body (a body-parser middleware does this in a real app). */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 100_000) throw Object.assign(new Error('body too large'), { status: 413, expose: true });
  }
  try {
    const value: unknown = text === '' ? {} : JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  throw Object.assign(new Error('the body must be a JSON object'), { status: 400, expose: true });
}

/** The app; it never waits for Customer.io, so its answers are the same whether Customer.io is up or down. */
export function createApp(cio: CioClient): Koa {
  const app = new Koa();
  app.silent = true; // errors are still emitted as 'error' events, for the app to log
  // A stand-in for real authentication: the signed-in user's id comes in a header.
  app.use(cioMiddleware({ client: cio, personId: (ctx) => ctx.get('x-user-id') || undefined }));
  app.use(cioHealthRouter(cio, { metrics: true }));

  app.use(async (ctx, next) => {
    const route = `${ctx.method} ${ctx.path}`;
    if (route === 'POST /signup') {
      const { id, email, plan = 'free' } = await readJson(ctx.req);
      if (typeof id !== 'string' || typeof email !== 'string') {
        ctx.status = 400;
        ctx.body = { error: 'id and email are required' };
        return;
      }
      // Not awaited: these go to Customer.io once the response has been sent.
      void ctx.cio.identify(id, { email, plan });
      void ctx.cio.track(id, { name: 'signed_up', data: { plan } });
      ctx.status = 201;
      ctx.body = { id };
    } else if (route === 'POST /orders') {
      const user = ctx.cio.personId;
      if (!user) {
        ctx.status = 401;
        ctx.body = { error: 'sign in first' };
        return;
      }
      const { sku, quantity = 1 } = await readJson(ctx.req);
      // A client retrying this request with the same Idempotency-Key header sends the event once.
      void ctx.cio.track(user, { name: 'order_placed', data: { sku, quantity } });
      ctx.status = 201;
      ctx.body = { ok: true };
    } else if (route === 'GET /boom') {
      void ctx.cio.track(ctx.cio.personId ?? 'anonymous', { name: 'saw_error_page' });
      throw new Error('something broke');
    } else {
      await next();
    }
  });
  return app;
}

serveExampleWhenRun(import.meta.url, 'koa', createApp);
