import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

let loaded: typeof PromClient | undefined;

/**
 * Loads the optional peer `prom-client` the first time metrics are asked for, so that importing
 * this package never loads it otherwise. Throws an `Error` saying how to install it when missing.
 */
export function loadPromClient(): typeof PromClient {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('prom-client') as typeof PromClient;
  } catch (err) {
    throw new Error('customerio-resilience metrics need the optional peer dependency prom-client: npm install prom-client', { cause: err });
  }
  return loaded;
}
