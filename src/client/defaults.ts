/** Every default in one place. */
export const DEFAULTS = Object.freeze({
  region: 'us' as const,
  timeoutMs: 5_000,
  retry: { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 },
  breaker: { threshold: 5, halfOpenAfterMs: 10_000, durationMs: 30_000, minimumRps: 1 },
  rateLimit: { perSecond: 100, maxWaitMs: 0 },
  /** The App API's own rate limit: Customer.io's limit for transactional sends. */
  appRateLimit: { perSecond: 100, maxWaitMs: 0 },
  /** The App API's reads' own rate limit: Customer.io's limit for most App API calls. */
  readRateLimit: { perSecond: 10, burst: 10 },
  /** The Data Pipelines API's own rate limit (Customer.io publishes size limits for it, not a rate). */
  pipelinesRateLimit: { perSecond: 100, maxWaitMs: 0 },
  idempotency: { ttlMs: 24 * 60 * 60 * 1000, contentKeys: false, derivedTtlMs: 60_000, max: 10_000 },
  nonIdempotentDelivery: 'at-most-once' as const,
  drain: { batchSize: 100, intervalMs: 1_000, maxAttempts: 20, enabled: true },
  batch: { maxDelayMs: 20, maxItems: 100, maxInFlight: 4 },
});
