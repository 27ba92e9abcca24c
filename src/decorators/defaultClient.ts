import type { CioClient } from '../client/CioClient.js';
import { isClientLike } from './options.js';
import { processWide } from './shared.js';

/** One per process, shared by the ES module and CommonJS builds (see `processWide`). */
const slot = processWide('defaultClient', (): { client: CioClient | undefined } => ({ client: undefined }));

/**
 * Sets the client that `@Resilient()` methods without a `client` option run under (pass `undefined`
 * to unset it). It is read at each call, so it may be set after the decorated classes are defined.
 * There is one default client per process, even when both the ES module and the CommonJS build
 * of this package are loaded.
 */
export function setDefaultCioClient(client: CioClient | undefined): void {
  if (client !== undefined && !isClientLike(client)) {
    throw new TypeError(`setDefaultCioClient: expected a CioClient (from createCioClient) or undefined, got ${client === null ? 'null' : typeof client}`);
  }
  slot.client = client;
}

/** The client set by {@link setDefaultCioClient}, if any. */
export function getDefaultCioClient(): CioClient | undefined {
  return slot.client;
}
