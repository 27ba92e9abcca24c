import type { CioClient } from './CioClient.js';

/**
 * Whether `value` has the given methods of a {@link CioClient}: a client from `createCioClient`, or
 * an app's wrapper of one. Each user of a client checks for what it calls.
 */
export function hasClientMethods(value: unknown, methods: readonly (keyof CioClient)[]): value is CioClient {
  if (typeof value !== 'object' || value === null) return false;
  for (const m of methods) if (typeof (value as Record<string, unknown>)[m] !== 'function') return false;
  return true;
}
