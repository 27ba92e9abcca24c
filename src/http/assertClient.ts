import type { CioClient } from '../client/CioClient.js';
import { describeValue } from './describeValue.js';

/** Throws a `TypeError` unless `client` looks like a client made by `createCioClient`. */
export function assertClient(where: string, name: string, client: unknown): asserts client is CioClient {
  const c = client as Partial<CioClient> | null | undefined;
  if (typeof c !== 'object' || c === null || typeof c.track !== 'function' || typeof c.health !== 'function' || typeof c.on !== 'function') {
    throw new TypeError(`${where}: ${name} must be a CioClient (from createCioClient), got ${describeValue(client)}`);
  }
}
