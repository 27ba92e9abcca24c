import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from './describeType.js';
import { invalid } from './invalid.js';

/** Checks that a required argument is a string that is not blank (`''` reads as missing). */
export function checkRequiredString(operation: string, value: unknown, field: string): CioValidationError | null {
  if (value === undefined || value === null || value === '') return invalid(operation, field, `${field} is required`);
  if (typeof value !== 'string') {
    return invalid(operation, field, `${field} must be a string, got ${describeType(value)}`);
  }
  return value.trim() === '' ? invalid(operation, field, `${field} is blank`) : null;
}
