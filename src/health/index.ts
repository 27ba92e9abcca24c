/**
 * The health report and Prometheus metrics of a client, without any web framework.
 * `cioMetrics` loads the optional peer prom-client when called.
 * @packageDocumentation
 */
export { cioMetrics, CIRCUIT_STATE_VALUES, METRICS_DEFAULTS } from './metrics.js';
export type { CioMetrics, CioMetricsOptions, PromRegistry } from './metrics.js';
export { healthResponse, HEALTH_HEADERS } from './healthResponse.js';
export type { HealthBody, HttpAnswer } from './healthResponse.js';
