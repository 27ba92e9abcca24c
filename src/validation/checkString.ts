import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { invalid } from './invalid.js';

/** Checks that a required argument is a string that is not blank (`''` reads as missing). */
export function checkRequiredString(operation: string, value: unknown, field: string): CioValidationError | null {
  if (value === undefined || value === null || value === '') return invalid(operation, field, `${field} is required`);
  if (typeof value !== 'string') {
    return invalid(operation, field, `${field} must be a string, got ${describeType(value)}`);
  }
  return value.trim() === '' ? invalid(operation, field, `${field} is blank`) : null;
}

/**
 * Checks that an identifier or a name is well-formed UTF-16: no lone surrogate (half of an emoji, say,
 * from cutting a string by length). The SDK's `encodeURIComponent` throws "URI malformed" on one in a
 * URL path, and in a JSON body Customer.io would store a mangled id or name.
 */
export function checkWellFormed(operation: string, value: string, field: string): CioValidationError | null {
  if (value.isWellFormed()) return null;
  return invalid(operation, field, `${field} is not well-formed Unicode (it holds a lone UTF-16 surrogate)`);
}
