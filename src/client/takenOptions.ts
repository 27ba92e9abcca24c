import type { CallOptions } from './types.js';

/**
 * Internal (not exported by the package): the idempotency key a request scope derived from its
 * snapshot of a call's arguments, handed to the client with the call so the key is not derived
 * twice. Only set for a snapshot (arguments the app can no longer change).
 */
export const DERIVED_KEY: unique symbol = Symbol('customerio-resilience.derivedKey');

/** The call options as the client reads them. */
export interface TakenOptions extends CallOptions {
  [DERIVED_KEY]?: string;
}
