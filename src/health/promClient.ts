import type * as PromClient from 'prom-client';
import { nodeRequire } from '../internal/nodeRequire.js';

let loaded: typeof PromClient | undefined;

/**
 * Loads the optional peer `prom-client` the first time metrics are asked for, so that importing
 * this package never loads it otherwise. Throws an `Error` saying how to install it when missing.
 * Works in the ES module and the CommonJS build (see `nodeRequire`).
 */
export function loadPromClient(): typeof PromClient {
  if (loaded) return loaded;
  try {
    loaded = nodeRequire('prom-client') as typeof PromClient;
  } catch (err) {
    throw new Error('customerio-resilience metrics need the optional peer dependency prom-client: npm install prom-client', { cause: err });
  }
  return loaded;
}
