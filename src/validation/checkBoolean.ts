import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { invalid } from './invalid.js';

/** Checks that an optional argument, when given, is a boolean (`undefined` is absent; `null` is not: the SDK would send it). */
export function checkOptionalBoolean(operation: string, value: unknown, field: string): CioValidationError | null {
  if (value === undefined || typeof value === 'boolean') return null;
  return invalid(operation, field, `${field} must be a boolean, got ${describeType(value)}`);
}
