import type { CioClient } from '../client/CioClient.js';
import { healthResponse, type HttpAnswer } from '../health/healthResponse.js';
import { cioMetrics, type CioMetrics } from '../health/metrics.js';
import type { NormalizedHealthRouterOptions } from './healthRouterOptions.js';

/** Which route of the health router a request is for. */
export type HealthRoute = 'health' | 'metrics';

/** The framework-independent part of the health router: route matching and answers. */
export interface HealthRoutes {
  /** The route a request is for, or `undefined` (pass it on): only `GET`/`HEAD` on an exact path. */
  match(method: string, path: string): HealthRoute | undefined;
  /** The answer of a route. Never rejects: a metrics failure answers 500 (and is logged). */
  answer(route: HealthRoute): Promise<HttpAnswer>;
  /** The metrics, when the router serves them. */
  readonly metrics: CioMetrics | undefined;
}

/** Builds the routes; creates the metrics (loading prom-client) when they are asked for. */
export function healthRoutes<Req>(client: CioClient, o: NormalizedHealthRouterOptions<Req>): HealthRoutes {
  const metrics = o.metrics ? cioMetrics(client, o.metrics) : undefined;
  return {
    metrics,
    match(method, path) {
      if (method !== 'GET' && method !== 'HEAD') return undefined;
      if (path === o.path) return 'health';
      if (metrics && path === o.metrics?.path) return 'metrics';
      return undefined;
    },
    async answer(route) {
      if (route === 'health' || !metrics) return healthResponse(client, o.degradedStatus, o.degradedWhen);
      try {
        const body = await metrics.metrics();
        return { status: 200, headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' }, body };
      } catch (err) {
        try {
          client.logger.error({ err: err instanceof Error ? err.name : typeof err }, 'customerio-resilience: collecting metrics failed');
        } catch {
          /* a throwing logger must not break the route */
        }
        return { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'metrics unavailable\n' };
      }
    },
  };
}
