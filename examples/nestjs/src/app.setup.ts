import type { INestApplication } from '@nestjs/common';
import type { CioClient } from 'customerio-resilience';
import { cioHealthRouter, cioMiddleware } from 'customerio-resilience/express';
import { CIO_CLIENT } from './customerio/customerio.module';

/**
 * Mounts the Express middleware of customerio-resilience on a Nest app (on the Express platform):
 * `req.cio` for every request, and `GET /health/customerio` (200 while the circuit is closed, else 503).
 */
export function configureApp<T extends INestApplication>(app: T): T {
  const cio = app.get<CioClient>(CIO_CLIENT);
  app.use(cioMiddleware({ client: cio }));
  app.use(cioHealthRouter(cio));
  return app;
}
