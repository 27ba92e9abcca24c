import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';

/** People one `addCustomersToSegment` / `removeCustomersFromSegment` call may name (Customer.io: 1 to 1000). */
export const MAX_SEGMENT_IDS = 1000;

/**
 * Checks the `customerIds` of a manual segment call: an array of 1 to {@link MAX_SEGMENT_IDS}
 * entries, each a string or a finite number. (Customer.io ignores an entry that cannot be of the
 * call's `idType`, such as an "email" without `@`, so only the types are checked here.)
 */
export function checkSegmentIds(operation: string, ids: unknown, field: string): CioValidationError | null {
  if (!Array.isArray(ids)) return invalid(operation, field, `${field} must be an array of ids, got ${describeType(ids)}`);
  if (ids.length === 0) return invalid(operation, field, `${field} is empty; Customer.io takes 1 to ${MAX_SEGMENT_IDS} ids per call`);
  if (ids.length > MAX_SEGMENT_IDS) {
    return invalid(operation, field, `${field} has ${ids.length} ids; Customer.io takes at most ${MAX_SEGMENT_IDS} per call`);
  }
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i];
    if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) continue;
    const path = childPath(field, i);
    return invalid(operation, path, `${path} must be a string or a finite number, got ${describeType(id)}`);
  }
  return null;
}
