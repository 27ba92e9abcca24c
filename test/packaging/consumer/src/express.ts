// The Express entry, without prom-client installed.
import express from 'express';
import { createCioClient } from 'customerio-resilience';
import { cioHealthRouter, cioMiddleware, type CioMetricsOptions } from 'customerio-resilience/express';

export function app(): express.Express {
  const cio = createCioClient({ siteId: 's', apiKey: 'k' });
  const metrics: CioMetricsOptions = { prefix: 'shop_' };
  const server = express();
  server.use(cioMiddleware({ client: cio, personId: (req) => req.header('x-user') }));
  server.use(cioHealthRouter(cio, { metrics }));
  server.post('/orders', (req, res) => {
    void req.cio.track(req.cio.personId ?? 'anonymous', { name: 'order_placed' });
    res.status(201).json({ ok: true });
  });
  return server;
}
