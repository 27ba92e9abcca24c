// The Koa entry, without prom-client installed.
import Koa from 'koa';
import { createCioClient } from 'customerio-resilience';
import { cioHealthRouter, cioMiddleware } from 'customerio-resilience/koa';

export function app(): Koa {
  const cio = createCioClient({ siteId: 's', apiKey: 'k' });
  const server = new Koa();
  server.use(cioMiddleware({ client: cio }));
  server.use(cioHealthRouter(cio, { metrics: true }));
  server.use(async (ctx) => {
    void ctx.cio.track('user-1', { name: 'visited' });
    ctx.body = { ok: true };
  });
  return server;
}
