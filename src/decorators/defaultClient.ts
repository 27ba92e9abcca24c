import type { CioClient } from '../client/CioClient.js';
import { isClientLike } from './options.js';

let current: CioClient | undefined;

/**
 * Sets the client that `@Resilient()` methods without a `client` option run under (pass `undefined`
 * to unset it). It is read at each call, so it may be set after the decorated classes are defined.
 */
export function setDefaultCioClient(client: CioClient | undefined): void {
  if (client !== undefined && !isClientLike(client)) {
    throw new TypeError(`setDefaultCioClient: expected a CioClient (from createCioClient) or undefined, got ${client === null ? 'null' : typeof client}`);
  }
  current = client;
}

/** The client set by {@link setDefaultCioClient}, if any. */
export function getDefaultCioClient(): CioClient | undefined {
  return current;
}
