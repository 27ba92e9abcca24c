import type { CioMetricsOptions } from '../health/metrics.js';
import { describeOption } from '../internal/describe.js';
import type { CioHealth } from '../client/types.js';
import { TRACK_CIRCUIT_NOT_CLOSED } from '../health/healthResponse.js';

/** Metrics served by the health router, with where. */
export interface CioHealthMetricsOptions extends CioMetricsOptions {
  /** Path of the metrics route (relative to where the router is mounted). @default '/metrics' */
  path?: string;
}

/**
 * Options of `cioHealthRouter`. `Req` is what the guard is given: Express's `Request`, Koa's `Context`.
 */
export interface CioHealthRouterOptions<Req> {
  /** Path of the health route (relative to where the router is mounted); only `GET` and `HEAD` on exactly it are answered. @default '/health/customerio' */
  path?: string;
  /**
   * Status answered while the circuit is not `CLOSED` (open, half-open or isolated). `503` tells a
   * liveness probe or a load balancer that Customer.io is unreachable; `200` suits a readiness probe,
   * since the app keeps working (calls are queued) while Customer.io is down.
   * @default 503
   */
  degradedStatus?: 200 | 503;
  /**
   * When the route answers `degradedStatus`: a rule on the client's `health()`. By default, while the
   * Track API's circuit is not `CLOSED` (it carries almost every call); for example
   * `(h) => h.circuit_state !== 'CLOSED' || h.apis.app.circuit_state !== 'CLOSED'` to report an App
   * API outage too. A rule that throws answers `503`.
   * @default (health) => health.circuit_state !== 'CLOSED'
   */
  degradedWhen?: (health: CioHealth) => boolean;
  /**
   * Decides whether a request may see the health (and metrics) route. When it answers `false` the
   * router passes the request on as if the route did not exist (the app's own 404). An error it
   * throws goes to the app's error handling.
   * @default undefined (open to every request)
   */
  guard?: (req: Req) => boolean | Promise<boolean>;
  /**
   * Serve Prometheus metrics too (prom-client must be installed): `true` for a new registry at
   * `/metrics`, or the metrics options with `path`. The metrics start counting when the router is made.
   * @default false
   */
  metrics?: boolean | CioHealthMetricsOptions;
}

/** Defaults of {@link CioHealthRouterOptions}. */
export const HEALTH_ROUTER_DEFAULTS = Object.freeze({
  path: '/health/customerio',
  degradedStatus: 503 as const,
  metricsPath: '/metrics',
});

/** {@link CioHealthRouterOptions} after defaults and checks. */
export interface NormalizedHealthRouterOptions<Req> {
  path: string;
  degradedStatus: 200 | 503;
  degradedWhen: (health: CioHealth) => boolean;
  guard: ((req: Req) => boolean | Promise<boolean>) | undefined;
  metrics: (CioMetricsOptions & { path: string }) | undefined;
}

function checkPath(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#\s]/.test(value)) {
    throw new TypeError(`cioHealthRouter: ${name} must be a path starting with '/' (no query), got ${describeOption(value)}`);
  }
  return value;
}

/** Applies defaults and validates eagerly; never changes the caller's object. */
export function normalizeHealthRouterOptions<Req>(options: CioHealthRouterOptions<Req> = {}): NormalizedHealthRouterOptions<Req> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`cioHealthRouter: options must be an object, got ${describeOption(options)}`);
  const path = checkPath('options.path', options.path, HEALTH_ROUTER_DEFAULTS.path);
  const degradedStatus = options.degradedStatus ?? HEALTH_ROUTER_DEFAULTS.degradedStatus;
  if (degradedStatus !== 200 && degradedStatus !== 503) {
    throw new RangeError(`cioHealthRouter: options.degradedStatus must be 200 or 503, got ${describeOption(degradedStatus)}`);
  }
  const degradedWhen = options.degradedWhen ?? TRACK_CIRCUIT_NOT_CLOSED;
  if (typeof degradedWhen !== 'function') {
    throw new TypeError(`cioHealthRouter: options.degradedWhen must be a function (health) => boolean, got ${describeOption(degradedWhen)}`);
  }
  const { guard } = options;
  if (guard !== undefined && typeof guard !== 'function') {
    throw new TypeError(`cioHealthRouter: options.guard must be a function (req) => boolean | Promise<boolean>, got ${describeOption(guard)}`);
  }
  const m = options.metrics ?? false;
  if (typeof m !== 'boolean' && (typeof m !== 'object' || m === null)) {
    throw new TypeError(`cioHealthRouter: options.metrics must be a boolean or an object, got ${describeOption(m)}`);
  }
  let metrics: NormalizedHealthRouterOptions<Req>['metrics'];
  if (m !== false) {
    const { path: metricsPath, ...rest } = m === true ? {} : m;
    metrics = { ...rest, path: checkPath('options.metrics.path', metricsPath, HEALTH_ROUTER_DEFAULTS.metricsPath) };
    if (metrics.path === path) throw new RangeError(`cioHealthRouter: options.metrics.path must differ from options.path, got ${describeOption(path)} for both`);
  }
  return { path, degradedStatus, degradedWhen, guard, metrics };
}
