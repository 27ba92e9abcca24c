import type { CioClient } from '../client/CioClient.js';
import { hasClientMethods } from '../client/clientShape.js';
import { describeOption } from '../internal/describe.js';

/** Throws a `TypeError` unless `client` looks like a client made by `createCioClient`. */
export function assertClient(where: string, name: string, client: unknown): asserts client is CioClient {
  if (!hasClientMethods(client, ['track', 'health', 'on'])) {
    throw new TypeError(`${where}: ${name} must be a CioClient (from createCioClient), got ${describeOption(client)}`);
  }
}
