/**
 * customerio-resilience: a Customer.io client that never crashes, never slows the app down and
 * never loses or duplicates a message because Customer.io is slow, rate-limiting, failing or down.
 * @packageDocumentation
 */
export { createCioClient } from './client/createCioClient.js';
export { closeOnSignals } from './client/closeOnSignals.js';
export type { CloseOnSignalsOptions } from './client/closeOnSignals.js';
export type {
  CioClient,
  CioOperations,
  CioData,
  CioEventData,
  IdentifierType,
  RunCallOptions,
  ReplayOptions,
  RunResult,
  ReplayHandler,
  TransactionalRequest,
  AppReadName,
  AppReadArgs,
  AppReadValue,
} from './client/CioClient.js';
export type {
  CioBatchResult,
  CioPipelines,
  CioPipelinesOperations,
  PipelinesBatchItem,
  PipelinesOperationName,
  IdentifyPayload,
  TrackPayload,
  PagePayload,
  ScreenPayload,
  GroupPayload,
  AliasPayload,
} from './operations/types.js';
export type {
  CioClientOptions,
  RetryOptions,
  ConsecutiveBreakerOptions,
  SamplingBreakerOptions,
  RateLimitOptions,
  IdempotencyOptions,
  DrainerOptions,
  ApiPolicyOptions,
  AppApiOptions,
  PipelinesApiOptions,
  BatchOptions,
} from './client/options.js';
export { DEFAULTS } from './client/defaults.js';
export type {
  CioResult,
  CioResultStatus,
  CallOptions,
  CioHealth,
  QueueHealth,
  CircuitStateName,
  ApiName,
  ApiHealth,
  DrainOptions,
  FlushResult,
  OperationName,
  TrackOperationName,
  AppOperationName,
} from './client/types.js';
export type { CioEvents, CioEventName, Unsubscribe } from './client/events.js';
export type { CioLogger } from './client/logger.js';
export type { TracingOptions, TracerProviderLike, TracerLike, SpanLike, SpanContextLike, SpanAttributes } from './telemetry/tracing.js';
export { silentLogger } from './client/logger.js';
export * from './errors/index.js';
export { memoryQueue } from './stores/memory/memoryQueue.js';
export type { MemoryQueueOptions } from './stores/memory/memoryQueue.js';
export type { QueueStore, QueueEntry, DeadLetter, QueueStats, PushOutcome, QueueRetryOptions } from './queue/store.js';
export type { IdempotencyStore } from './idempotency/store.js';
export { lruIdempotencyStore } from './stores/memory/lruIdempotencyStore.js';
export { CIO_LIMITS } from './validation/limits.js';
export {
  Resilient,
  setDefaultCioClient,
  getDefaultCioClient,
  registerResilient,
  getResilientOptions,
  RESILIENT_METADATA,
  RESILIENT_DEFAULTS,
} from './decorators/index.js';
export type { ResilientOptions, ResilientFallback, ResilientDecorator } from './decorators/index.js';
