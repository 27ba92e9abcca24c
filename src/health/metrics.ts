import type { Registry } from 'prom-client';
import type { CioClient } from '../client/CioClient.js';
import type { ApiName, CircuitStateName } from '../client/types.js';
import { loadPromClient } from './promClient.js';
import { apiOf } from '../client/calls.js';

/**
 * What this package needs of a prom-client `Registry` (prom-client's own `Registry` and its global
 * `register` fit). Declared here so that the package's types do not depend on prom-client, an
 * optional peer: a project without it still compiles with `skipLibCheck: false`.
 */
export interface PromRegistry {
  /** Content-Type of the text `metrics()` returns. */
  readonly contentType: string;
  /** The registry's metrics in Prometheus text format. */
  metrics(): Promise<string>;
  /** The metric of that name, if the registry has one. */
  getSingleMetric(name: string): unknown;
  /** Removes the metric of that name. */
  removeSingleMetric(name: string): void;
}

/** Options of {@link cioMetrics}. */
export interface CioMetricsOptions<R extends PromRegistry = PromRegistry> {
  /** The prom-client registry to register the metrics in (the app's own, or `register`, the global one). @default a new Registry */
  registry?: R;
  /** Prefix of every metric name; give each client its own when several share a registry. @default 'customerio_' */
  prefix?: string;
  /** Buckets of the duration histogram, in seconds. @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] */
  buckets?: readonly number[];
}

/** Defaults of {@link CioMetricsOptions}. */
export const METRICS_DEFAULTS = Object.freeze({
  prefix: 'customerio_',
  buckets: Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
});

/** The client's metrics in a prom-client registry. */
export interface CioMetrics<R extends PromRegistry = PromRegistry> {
  /** The registry holding the metrics. */
  readonly registry: R;
  /** Content-Type of {@link CioMetrics.metrics}' text. */
  readonly contentType: string;
  /** The registry's metrics in Prometheus text format. */
  metrics(): Promise<string>;
  /** Stops counting and removes these metrics from the registry. Safe to call twice. */
  close(): void;
}

/** Value of the circuit-state gauge for each state. */
export const CIRCUIT_STATE_VALUES: Readonly<Record<CircuitStateName, number>> = Object.freeze({
  CLOSED: 0,
  HALF_OPEN: 1,
  OPEN: 2,
  ISOLATED: 3,
});

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checkOptions(options: CioMetricsOptions): { prefix: string; buckets: number[] } {
  if (typeof options !== 'object' || options === null) throw new TypeError(`cioMetrics: options must be an object, got ${String(options)}`);
  const prefix = options.prefix ?? METRICS_DEFAULTS.prefix;
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME.test(prefix))) {
    throw new TypeError(`cioMetrics: options.prefix must match ${String(METRIC_NAME)} (or be ''), got ${typeof prefix === 'string' ? JSON.stringify(prefix) : typeof prefix}`);
  }
  const buckets = options.buckets ?? METRICS_DEFAULTS.buckets;
  const sorted = Array.isArray(buckets) && buckets.length > 0 && buckets.every((b, i) => typeof b === 'number' && b > 0 && Number.isFinite(b) && (i === 0 || b > (buckets[i - 1] as number)));
  if (!sorted) throw new RangeError('cioMetrics: options.buckets must be a non-empty, strictly increasing array of positive numbers');
  return { prefix, buckets: [...buckets] };
}

/**
 * Prometheus metrics of a client, through prom-client (an optional peer, loaded on first use):
 *
 * - `customerio_operations_total{api,operation,status}`: calls finished, by API, operation and result status.
 * - `customerio_operation_duration_seconds{api,operation,status}`: histogram of call durations.
 * - `customerio_retries_total{api,operation}`: attempts beyond the first, counted when each call finishes.
 * - `customerio_circuit_state{api}`: each API's circuit: 0 closed, 1 half-open, 2 open, 3 isolated.
 * - `customerio_queue_depth`, `customerio_queue_oldest_age_seconds`, `customerio_queue_dead_letters`:
 *   fallback queue figures, read from `client.health()` at each scrape.
 * - `customerio_queue_dropped_total`: operations the queue refused, as `health()` counts them.
 *
 * Labels hold operation names and statuses only, never person ids or attribute values.
 * Throws an `Error` when a metric of the same name is already in the registry (use another
 * `prefix`, or `close()` the first).
 */
export function cioMetrics<R extends PromRegistry = PromRegistry>(client: CioClient, options: CioMetricsOptions<R> = {}): CioMetrics<R> {
  const { prefix, buckets } = checkOptions(options);
  const prom = loadPromClient();
  // The types name prom-client's registry structurally (`PromRegistry`), so that they hold without
  // prom-client installed; the registry given is one of prom-client's.
  const registry: R = options.registry ?? (new prom.Registry() as PromRegistry as R);
  const name = (n: string): string => `${prefix}${n}`;
  const names = ['operations_total', 'operation_duration_seconds', 'retries_total', 'circuit_state', 'queue_depth', 'queue_oldest_age_seconds', 'queue_dead_letters', 'queue_dropped_total'].map(name);
  const taken = names.find((n) => registry.getSingleMetric(n) !== undefined);
  if (taken) throw new Error(`cioMetrics: the registry already has a metric named ${taken}; give this client another prefix or close() the other metrics`);

  const registers = [registry as PromRegistry as Registry];
  const health = () => client.health();
  const operations = new prom.Counter({ name: name('operations_total'), help: 'Customer.io calls finished, by API, operation and result status.', labelNames: ['api', 'operation', 'status'] as const, registers });
  const duration = new prom.Histogram({ name: name('operation_duration_seconds'), help: 'Duration of Customer.io calls, retries and waits included, in seconds.', labelNames: ['api', 'operation', 'status'] as const, buckets, registers });
  const retries = new prom.Counter({ name: name('retries_total'), help: 'Customer.io attempts that failed and were retried, by API and operation.', labelNames: ['api', 'operation'] as const, registers });
  new prom.Gauge({
    name: name('circuit_state'),
    help: "Each API's circuit breaker state: 0 closed, 1 half-open, 2 open, 3 isolated.",
    labelNames: ['api'] as const,
    registers,
    collect() {
      const h = health();
      // A client without per-API figures (a wrapper of an older one) reports its one circuit as Track's.
      const apis = h.apis ?? { track: { circuit_state: h.circuit_state } };
      for (const [api, a] of Object.entries(apis)) this.set({ api }, CIRCUIT_STATE_VALUES[a.circuit_state]);
    },
  });
  new prom.Gauge({ name: name('queue_depth'), help: 'Operations waiting in the fallback queue.', registers, collect() { this.set(health().queue.depth); } });
  new prom.Gauge({ name: name('queue_oldest_age_seconds'), help: 'Age of the oldest operation waiting in the fallback queue, in seconds.', registers, collect() { this.set(health().queue.oldest_age_ms / 1000); } });
  new prom.Gauge({ name: name('queue_dead_letters'), help: 'Operations kept as dead letters.', registers, collect() { this.set(health().queue.dead_letter); } });
  new prom.Counter({ name: name('queue_dropped_total'), help: 'Operations the fallback queue refused because it was full.', registers, collect() { this.reset(); this.inc(health().queue.dropped); } });

  // Retries are counted from each finished call's attempts (attempts - 1), so the figure is right
  // whether or not the client emits a `retry` event per attempt.
  const unsubscribe = [
    client.on('result', (r) => {
      // App API reads run under the App API's policies; custom operations (`run()`, `@Resilient()`) under the Track API's.
      // A client of another make may not say which API: then the operation's.
      const api = (r.api as ApiName | undefined) ?? apiOf(r.operation);
      const labels = { api, operation: r.operation, status: r.status };
      operations.inc(labels);
      duration.observe(labels, r.durationMs / 1000);
      if (r.attempts > 1) retries.inc({ api, operation: r.operation }, r.attempts - 1);
    }),
  ];
  let closed = false;
  return {
    registry,
    get contentType() {
      return registry.contentType;
    },
    metrics: () => registry.metrics(),
    close() {
      if (closed) return;
      closed = true;
      for (const off of unsubscribe) off();
      for (const n of names) registry.removeSingleMetric(n);
    },
  };
}
