import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { invalid } from './invalid.js';
import { isRecord } from './isRecord.js';

/**
 * Checks that an optional argument, when given, is a JSON object (not an array, `Date`, `Map` …).
 * `undefined` and `null` count as absent, as the SDK sends no body field for them.
 */
export function checkOptionalRecord(operation: string, value: unknown, field: string): CioValidationError | null {
  if (value === undefined || value === null || isRecord(value)) return null;
  return invalid(operation, field, `${field} must be an object, got ${describeType(value)}`);
}
