import type { CioClient } from './CioClient.js';
import type { CioClientOptions } from './options.js';
import { ResilientClient } from './ResilientClient.js';

/**
 * Creates a resilient Customer.io client. Throws `TypeError`/`RangeError` at once for invalid
 * options (never showing a credential); after that, its methods never throw and never reject.
 */
export function createCioClient(options: CioClientOptions = {}): CioClient {
  return new ResilientClient(options);
}
