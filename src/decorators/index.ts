/**
 * `@Resilient()`: service methods that run under a Customer.io client's policies, in both
 * TypeScript decorator modes.
 * @packageDocumentation
 */
export { Resilient } from './Resilient.js';
export type { ResilientDecorator, AdmitsUndefined, AdmitsResult, ThrowingResilientOptions } from './Resilient.js';
export type { ResilientOptions, ResilientFallback } from './options.js';
export { RESILIENT_DEFAULTS } from './options.js';
export { setDefaultCioClient, getDefaultCioClient } from './defaultClient.js';
export { registerResilient } from './registry.js';
export { getResilientOptions, RESILIENT_METADATA } from './metadata.js';
