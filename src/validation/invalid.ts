import { CioValidationError } from '../errors/CioError.js';

/**
 * Builds the error for a rule a call breaks: the message starts with the operation, then says what is
 * wrong in terms of names, paths and sizes only (never an attribute value).
 */
export function invalid(operation: string, field: string, problem: string): CioValidationError {
  return new CioValidationError(field, `${operation}: ${problem}`);
}
