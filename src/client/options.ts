import { isIdempotencyStore, type IdempotencyStore } from '../idempotency/store.js';
import type { QueueStore } from '../queue/store.js';
import type { PolicySettings, RateLimitOptions, RetryOptions, ConsecutiveBreakerOptions, SamplingBreakerOptions } from '../policies/settings.js';
import type { CioLogger } from './logger.js';
import { defaultLogger, safeLogger } from './logger.js';
import { describeOption as describe } from '../internal/describe.js';
import { DEFAULTS } from './defaults.js';
import { bool, breakerOf, dispatcherOf, headersOf, num, obj, rateLimitOf, str, url } from './optionChecks.js';
import { tracingOf, type Tracing, type TracingOptions } from '../telemetry/tracing.js';
export type { ConsecutiveBreakerOptions, RateLimitOptions, RetryOptions, SamplingBreakerOptions } from '../policies/settings.js';

/** The policies of one API that may differ from the others'. */
export interface ApiPolicyOptions {
  /** Its circuit breaker, or `false`. @default the top-level `breaker` */
  breaker?: ConsecutiveBreakerOptions | SamplingBreakerOptions | false;
  /** Its rate limit, or `false`. */
  rateLimit?: RateLimitOptions | false;
}

/** The App API's own policies, and its reads'. */
export interface AppApiOptions extends ApiPolicyOptions {
  /**
   * The rate limit of `read()`, on top of the App API's (Customer.io allows about 10 requests/s for
   * most App API calls; transactional sends 100/s), or `false`. A read waits for its token.
   * @default { perSecond: 10, burst: 10 }
   */
  readRateLimit?: { perSecond: number; burst?: number } | false;
}

/** The Data Pipelines API's own policies and its strict mode. */
export interface PipelinesApiOptions extends ApiPolicyOptions {
  /**
   * Sends `X-Strict-Mode: 1`, so Customer.io answers a malformed message with an error instead of
   * accepting and silently dropping it (a loss nobody would see). @default true
   */
  strictMode?: boolean;
}

/** In-memory idempotency guard settings. */
export interface IdempotencyOptions {
  /** How long a caller's `idempotencyKey` (or a request's `Idempotency-Key`) is remembered. @default 86400000 (24 h) */
  ttlMs?: number;
  /**
   * Opt-in content keys: a call made without an `idempotencyKey` gets a key derived from its operation
   * and arguments, so identical calls within `derivedTtlMs` are treated as one. Off by default, because
   * identical content is not a duplicate: it loses repeated events (two page views become one) and can
   * reorder identify updates (`a:1, a:2, a:1` would skip the third and leave `a:2`). Turn it on only
   * for an app whose every identical call is known to be a repeat. @default false
   */
  contentKeys?: boolean;
  /** How long a content key is remembered (only with `contentKeys: true`). @default 60000 */
  derivedTtlMs?: number;
  /** Most keys remembered (least recently used dropped first). @default 10000 */
  max?: number;
}

/** Options of `createCioClient`. Every field is optional. */
export interface CioClientOptions {
  /** Track API site id. @default process.env.CUSTOMERIO_SITE_ID */
  siteId?: string;
  /** Track API key. @default process.env.CUSTOMERIO_TRACK_API_KEY */
  apiKey?: string;
  /** App API key, for the transactional sends and triggerBroadcast. @default process.env.CUSTOMERIO_APP_API_KEY */
  appApiKey?: string;
  /** Data centre. @default process.env.CUSTOMERIO_REGION, else 'us' */
  region?: 'us' | 'eu';
  /**
   * Data Pipelines source write key, for `client.pipelines.*` (customerio-node's `PipelinesClient`).
   * @default process.env.CUSTOMERIO_PIPELINES_WRITE_KEY
   */
  writeKey?: string;
  /** Data Pipelines base URL override, e.g. an emulator's `pipelinesUrl`. @default the region's */
  pipelinesUrl?: string;
  /** Track API base URL override, e.g. an emulator's `http://127.0.0.1:PORT/api/v1`. */
  trackUrl?: string;
  /** App API base URL override, e.g. `http://127.0.0.1:PORT/v1`. */
  appUrl?: string;
  /**
   * An undici dispatcher for every request the client makes (an `Agent` for keep-alive or custom TLS,
   * a `ProxyAgent` for an HTTP(S) proxy), handed to customerio-node and by it to `fetch`.
   * @default Node.js's global dispatcher
   */
  dispatcher?: object;
  /**
   * Extra request headers for every request (a tracing header, a proxy's routing header). The
   * SDK's own (`Authorization`, `Content-Type`, `User-Agent`) always win; values are never logged.
   */
  headers?: Record<string, string>;
  /**
   * The App and Data Pipelines APIs' own circuit breakers and rate limits. Each API (Track, App,
   * Pipelines) has its own, so an outage or a burst on one never stops or slows another. The
   * top-level `breaker` and `rateLimit` are the Track API's; the others' breakers default to the
   * top-level one's settings; the App API's rate limit defaults to 100 requests/s (Customer.io's
   * transactional limit; reads have their own 10/s on top, broadcasts 1 per 10 s), the Pipelines
   * API's to 100 requests/s.
   */
  apis?: { app?: AppApiOptions; pipelines?: PipelinesApiOptions };
  /** Time limit of one HTTP attempt. @default 5000 */
  timeoutMs?: number;
  /** Retry policy, or `false` for a single attempt. */
  retry?: RetryOptions | false;
  /** Circuit breaker (consecutive by default, or the sampling form), or `false` for none. */
  breaker?: ConsecutiveBreakerOptions | SamplingBreakerOptions | false;
  /** Client-side rate limit, or `false` for none. */
  rateLimit?: RateLimitOptions | false;
  /** Fallback queue store, or `false` for none (transient failures then resolve `failed`). @default memoryQueue() */
  queue?: QueueStore | false;
  /** Idempotency guard: LRU settings, a shared store, or `false` to turn it off. */
  idempotency?: (IdempotencyOptions & { store?: IdempotencyStore }) | IdempotencyStore | false;
  /** pino-compatible logger. @default warnings and errors to stderr */
  logger?: CioLogger;
  /**
   * Delivery guarantee for operations Customer.io cannot de-duplicate (the transactional sends,
   * triggerBroadcast, submitForm, mergeCustomers). `'at-most-once'` never repeats one that may have taken
   * effect (it becomes a dead letter with code `AMBIGUOUS`); `'at-least-once'` retries it.
   * @default 'at-most-once'
   */
  nonIdempotentDelivery?: 'at-most-once' | 'at-least-once';
  /** Replay of the queue. */
  drain?: DrainerOptions;
  /**
   * Write-behind batching of calls that opt in (every request-scoped call of `cioMiddleware`, and a
   * direct call given `{ batch: true }`): such calls made close together go to Customer.io as one
   * Track v2 batch request, each still resolving with its own outcome. `false` sends every call on
   * its own.
   */
  batch?: BatchOptions | false;
  /**
   * OpenTelemetry spans, when `@opentelemetry/api` is installed: one per call and one per batch
   * request or replay, with retries, queueing and dead letters as events (docs/observability.md).
   * `false` turns them off; `{ tracerProvider }` uses that provider instead of the global one.
   * @default true
   */
  tracing?: boolean | TracingOptions;
}

/** Write-behind batching settings. */
export interface BatchOptions {
  /** Longest a call waits for others to join its batch. @default 20 */
  maxDelayMs?: number;
  /** Calls per batch request (a full batch goes at once; a batch also closes before 500 KB). @default 100 */
  maxItems?: number;
  /**
   * Batch requests that may wait for Customer.io at once. While they all wait (Customer.io slow or
   * hanging), the next batch fills up and waits its turn; calls beyond it are queued at once instead
   * of being held, so a hang never costs the app a socket or memory per call. @default 4
   */
  maxInFlight?: number;
}

/** How the queue is replayed. */
export interface DrainerOptions {
  /** Operations per v2 batch request. @default 100 */
  batchSize?: number;
  /** How often the drainer looks at the queue while idle. @default 1000 */
  intervalMs?: number;
  /** Replay attempts before an operation becomes a dead letter. @default 20 */
  maxAttempts?: number;
  /** Whether this client replays the queue (turn off on instances that should only enqueue). @default true */
  enabled?: boolean;
}

/** Options after defaults and validation. */
export interface NormalizedOptions extends PolicySettings {
  siteId: string;
  apiKey: string;
  appApiKey: string | undefined;
  region: 'us' | 'eu';
  trackUrl: string | undefined;
  appUrl: string | undefined;
  dispatcher: object | undefined;
  headers: Record<string, string> | undefined;
  /** The App API's own breaker and rate limit (the other policies are shared), and its reads' rate limit. */
  app: Pick<PolicySettings, 'breaker' | 'rateLimit'> & { readRateLimit: { perSecond: number; burst: number } | false };
  writeKey: string | undefined;
  pipelinesUrl: string | undefined;
  /** The Pipelines API's own breaker and rate limit, and its strict mode. */
  pipelines: Pick<PolicySettings, 'breaker' | 'rateLimit'> & { strictMode: boolean };
  queue: QueueStore | false | undefined;
  idempotency: { ttlMs: number; contentKeys: boolean; derivedTtlMs: number; max: number; store: IdempotencyStore | undefined } | false;
  logger: CioLogger;
  drain: Required<DrainerOptions>;
  batch: Required<BatchOptions> | false;
  tracing: Tracing | undefined;
}


/**
 * Applies defaults (environment variables for credentials and region) and validates every
 * option eagerly. Never mutates `input`. Throws `TypeError`/`RangeError` naming the option,
 * what was expected and what came (never the value of a credential).
 */
export function normalizeOptions(input: CioClientOptions = {}, env: NodeJS.ProcessEnv = process.env): NormalizedOptions {
  if (typeof input !== 'object' || input === null) throw new TypeError(`createCioClient: options must be an object, got ${describe(input)}`);
  const siteId = str('siteId', input.siteId) ?? str('CUSTOMERIO_SITE_ID', env['CUSTOMERIO_SITE_ID']);
  const apiKey = str('apiKey', input.apiKey) ?? str('CUSTOMERIO_TRACK_API_KEY', env['CUSTOMERIO_TRACK_API_KEY']);
  const appApiKey = str('appApiKey', input.appApiKey) ?? str('CUSTOMERIO_APP_API_KEY', env['CUSTOMERIO_APP_API_KEY']);
  const writeKey = str('writeKey', input.writeKey) ?? str('CUSTOMERIO_PIPELINES_WRITE_KEY', env['CUSTOMERIO_PIPELINES_WRITE_KEY']);
  if (!siteId) throw new TypeError('createCioClient: siteId is required (option siteId or env CUSTOMERIO_SITE_ID), got nothing');
  if (!apiKey) throw new TypeError('createCioClient: apiKey is required (option apiKey or env CUSTOMERIO_TRACK_API_KEY), got nothing');

  const regionRaw = input.region ?? (env['CUSTOMERIO_REGION']?.toLowerCase() || DEFAULTS.region);
  if (regionRaw !== 'us' && regionRaw !== 'eu') throw new RangeError(`createCioClient: region must be 'us' or 'eu', got ${describe(regionRaw)}`);

  const retryIn = obj<RetryOptions>('retry', input.retry);
  const retry: Required<RetryOptions> =
    retryIn === false
      ? { ...DEFAULTS.retry, maxAttempts: 1 }
      : {
          maxAttempts: num('retry.maxAttempts', retryIn?.maxAttempts, DEFAULTS.retry.maxAttempts, { min: 1, integer: true }),
          initialDelayMs: num('retry.initialDelayMs', retryIn?.initialDelayMs, DEFAULTS.retry.initialDelayMs),
          maxDelayMs: num('retry.maxDelayMs', retryIn?.maxDelayMs, DEFAULTS.retry.maxDelayMs),
          maxRetryAfterMs: num('retry.maxRetryAfterMs', retryIn?.maxRetryAfterMs, DEFAULTS.retry.maxRetryAfterMs),
        };
  if (retry.maxDelayMs < retry.initialDelayMs) {
    throw new RangeError(`createCioClient: retry.maxDelayMs must be >= retry.initialDelayMs (${retry.initialDelayMs}), got ${retry.maxDelayMs}`);
  }

  const breaker = breakerOf('breaker', input.breaker);
  const rateLimit = rateLimitOf('rateLimit', input.rateLimit, DEFAULTS.rateLimit.perSecond);
  const apisIn = obj<{ app?: AppApiOptions; pipelines?: PipelinesApiOptions }>('apis', input.apis);
  if (apisIn) {
    for (const key of Object.keys(apisIn)) {
      if (key !== 'app' && key !== 'pipelines') throw new RangeError(`createCioClient: apis.${key} is not an API with policies of its own (app, pipelines; the top-level options are the Track API's)`);
    }
  }
  const appIn = apisIn ? obj<AppApiOptions>('apis.app', apisIn.app) : undefined;
  const readIn = appIn ? obj<{ perSecond: number; burst?: number }>('apis.app.readRateLimit', appIn.readRateLimit) : undefined;
  const app: NormalizedOptions['app'] = {
    breaker: appIn && appIn.breaker !== undefined ? breakerOf('apis.app.breaker', appIn.breaker) : breaker,
    rateLimit: rateLimitOf('apis.app.rateLimit', appIn ? appIn.rateLimit : undefined, DEFAULTS.appRateLimit.perSecond),
    readRateLimit:
      readIn === false
        ? false
        : {
            perSecond: num('apis.app.readRateLimit.perSecond', readIn?.perSecond, DEFAULTS.readRateLimit.perSecond, { min: 0, exclusiveMin: true }),
            burst: num('apis.app.readRateLimit.burst', readIn?.burst, DEFAULTS.readRateLimit.burst, { min: 1 }),
          },
  };
  const pipelinesIn = apisIn ? obj<PipelinesApiOptions>('apis.pipelines', apisIn.pipelines) : undefined;
  const pipelines: NormalizedOptions['pipelines'] = {
    breaker: pipelinesIn && pipelinesIn.breaker !== undefined ? breakerOf('apis.pipelines.breaker', pipelinesIn.breaker) : breaker,
    rateLimit: rateLimitOf('apis.pipelines.rateLimit', pipelinesIn ? pipelinesIn.rateLimit : undefined, DEFAULTS.pipelinesRateLimit.perSecond),
    strictMode: bool('apis.pipelines.strictMode', pipelinesIn ? pipelinesIn.strictMode : undefined, true),
  };

  let idempotency: NormalizedOptions['idempotency'] = false;
  if (input.idempotency !== false) {
    if (isIdempotencyStore(input.idempotency)) {
      idempotency = { ...DEFAULTS.idempotency, store: input.idempotency };
    } else {
      const i = obj<IdempotencyOptions & { store?: IdempotencyStore }>('idempotency', input.idempotency) || {};
      if (i.store !== undefined && !isIdempotencyStore(i.store)) {
        throw new TypeError('createCioClient: idempotency.store must have reserve() and release(), got an object without them');
      }
      idempotency = {
        ttlMs: num('idempotency.ttlMs', i.ttlMs, DEFAULTS.idempotency.ttlMs, { min: 0, exclusiveMin: true }),
        contentKeys: bool('idempotency.contentKeys', i.contentKeys, DEFAULTS.idempotency.contentKeys),
        derivedTtlMs: num('idempotency.derivedTtlMs', i.derivedTtlMs, DEFAULTS.idempotency.derivedTtlMs, { min: 0, exclusiveMin: true }),
        max: num('idempotency.max', i.max, DEFAULTS.idempotency.max, { min: 1, integer: true }),
        store: i.store,
      };
    }
  }

  if (input.queue !== undefined && input.queue !== false) {
    const q = input.queue as Partial<QueueStore>;
    if (typeof q !== 'object' || q === null || typeof q.push !== 'function' || typeof q.take !== 'function') {
      throw new TypeError(`createCioClient: queue must be a queue store (memoryQueue(), sqliteQueue(), bullmqQueue()) or false, got ${describe(input.queue)}`);
    }
  }

  const logger = input.logger ?? defaultLogger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger[level] !== 'function') throw new TypeError(`createCioClient: logger.${level} must be a function, got ${typeof logger[level]}`);
  }

  const delivery = input.nonIdempotentDelivery ?? DEFAULTS.nonIdempotentDelivery;
  if (delivery !== 'at-most-once' && delivery !== 'at-least-once') {
    throw new RangeError(`createCioClient: nonIdempotentDelivery must be 'at-most-once' or 'at-least-once', got ${describe(delivery)}`);
  }

  const drainIn = obj<DrainerOptions>('drain', input.drain) || {};
  const drain: Required<DrainerOptions> = {
    batchSize: num('drain.batchSize', drainIn.batchSize, DEFAULTS.drain.batchSize, { min: 1, integer: true }),
    intervalMs: num('drain.intervalMs', drainIn.intervalMs, DEFAULTS.drain.intervalMs, { min: 1 }),
    maxAttempts: num('drain.maxAttempts', drainIn.maxAttempts, DEFAULTS.drain.maxAttempts, { min: 1, integer: true }),
    enabled: bool('drain.enabled', drainIn.enabled, DEFAULTS.drain.enabled),
  };
  if (drain.batchSize > 1000) throw new RangeError(`createCioClient: drain.batchSize must be <= 1000, got ${drain.batchSize}`);

  const batchIn = obj<BatchOptions>('batch', input.batch);
  let batch: NormalizedOptions['batch'] = false;
  if (batchIn !== false) {
    batch = {
      maxDelayMs: num('batch.maxDelayMs', batchIn?.maxDelayMs, DEFAULTS.batch.maxDelayMs),
      maxItems: num('batch.maxItems', batchIn?.maxItems, DEFAULTS.batch.maxItems, { min: 1, integer: true }),
      maxInFlight: num('batch.maxInFlight', batchIn?.maxInFlight, DEFAULTS.batch.maxInFlight, { min: 1, integer: true }),
    };
    if (batch.maxDelayMs > 60_000) throw new RangeError(`createCioClient: batch.maxDelayMs must be <= 60000, got ${batch.maxDelayMs}`);
    if (batch.maxItems > 1000) throw new RangeError(`createCioClient: batch.maxItems must be <= 1000, got ${batch.maxItems}`);
  }

  return {
    siteId,
    apiKey,
    appApiKey,
    region: regionRaw,
    trackUrl: url('trackUrl', input.trackUrl),
    appUrl: url('appUrl', input.appUrl),
    app,
    writeKey,
    pipelinesUrl: url('pipelinesUrl', input.pipelinesUrl),
    pipelines,
    dispatcher: dispatcherOf(input.dispatcher),
    headers: headersOf(input.headers),
    timeoutMs: num('timeoutMs', input.timeoutMs, DEFAULTS.timeoutMs, { min: 1 }),
    retry,
    breaker,
    rateLimit,
    queue: input.queue,
    idempotency,
    logger: safeLogger(logger),
    nonIdempotentDelivery: delivery,
    drain,
    batch,
    tracing: tracingOf(input.tracing),
  };
}
