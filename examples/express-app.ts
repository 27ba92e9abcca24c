/**
 * An Express 5 app using customerio-resilience: request-scoped calls on `req.cio`, a health route
 * with Prometheus metrics, and an `Idempotency-Key`-aware order endpoint.
 *
 * Run it against a local Customer.io emulator: `npx tsx examples/express-app.ts` (PORT to choose
 * the port), then e.g. `curl -XPOST localhost:PORT/signup -H 'content-type: application/json'
 * -d '{"id":"u1","email":"u1@example.com"}'` and `curl localhost:PORT/health/customerio`.
 * In an app of your own, import from 'customerio-resilience' and 'customerio-resilience/express'.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { CioClient } from '../src/index.js';
import { cioHealthRouter, cioMiddleware } from '../src/http/express.js';
import { serveExampleWhenRun } from './serveExample.js';

/** The app; it never waits for Customer.io, so its answers are the same whether Customer.io is up or down. */
export function createApp(cio: CioClient): express.Express {
  const app = express();
  app.use(express.json());
  // A stand-in for real authentication: the signed-in user's id comes in a header.
  app.use(cioMiddleware({ client: cio, personId: (req) => req.get('x-user-id') }));
  app.use(cioHealthRouter(cio, { metrics: true }));

  app.post('/signup', (req, res) => {
    const { id, email, plan = 'free' } = req.body as { id?: string; email?: string; plan?: string };
    if (!id || !email) {
      res.status(400).json({ error: 'id and email are required' });
      return;
    }
    // Not awaited: these go to Customer.io once the response has been sent.
    void req.cio.identify(id, { email, plan });
    void req.cio.track(id, { name: 'signed_up', data: { plan } });
    res.status(201).json({ id });
  });

  app.post('/orders', (req, res) => {
    const user = req.cio.personId;
    if (!user) {
      res.status(401).json({ error: 'sign in first' });
      return;
    }
    const { sku, quantity = 1 } = req.body as { sku?: string; quantity?: number };
    // A client retrying this request with the same Idempotency-Key header sends the event once.
    void req.cio.track(user, { name: 'order_placed', data: { sku, quantity } });
    res.status(201).json({ ok: true });
  });

  app.get('/boom', (req) => {
    void req.cio.track(req.cio.personId ?? 'anonymous', { name: 'saw_error_page' });
    throw new Error('something broke');
  });

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: err.message });
  });
  return app;
}

serveExampleWhenRun(import.meta.url, 'express', createApp);
