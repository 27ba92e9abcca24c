import type { CioValidationError } from '../errors/CioError.js';
import { checkWellFormed } from './checkString.js';
import { describeType } from '../internal/describe.js';
import { invalid } from './invalid.js';
import { CIO_LIMITS, utf8Bytes } from './limits.js';

/** How {@link checkId} treats a missing or empty identifier. */
export interface IdOptions {
  /**
   * Accept `''`, `null` and `undefined` (as `trackAnonymous` does for an invite event).
   * @default false
   */
  allowEmpty?: boolean;
  /**
   * Byte limit; `undefined` checks only that it is present and well-formed (e.g. a broadcast id).
   * @default CIO_LIMITS.personIdBytes (150)
   */
  maxBytes?: number | undefined;
  /**
   * The limit is this package's own (Customer.io documents none): messages say "this client allows".
   * @default false
   */
  ownLimit?: boolean;
}

const NO_OPTIONS: IdOptions = Object.freeze({});

/**
 * Checks an identifier argument: a string (not blank, well-formed UTF-16) or a finite number, at most
 * 150 bytes of UTF-8 by default (numbers are measured as their decimal text). Blank strings are
 * rejected because the SDK rejects them too; a lone surrogate because the SDK's `encodeURIComponent`
 * throws on one (ids go into URL paths) and Customer.io would store a mangled id from a JSON body.
 */
export function checkId(
  operation: string,
  value: unknown,
  field: string,
  options: IdOptions = NO_OPTIONS,
): CioValidationError | null {
  const maxBytes = 'maxBytes' in options ? options.maxBytes : CIO_LIMITS.personIdBytes;
  if (value === undefined || value === null || value === '') {
    return options.allowEmpty === true ? null : invalid(operation, field, `${field} is required`);
  }
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return invalid(operation, field, `${field} must be a string or a finite number, got ${describeType(value)}`);
  if (text.trim() === '') return invalid(operation, field, `${field} is blank`);
  if (!text.isWellFormed()) return checkWellFormed(operation, text, field);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: a short id needs no counting.
  if (maxBytes === undefined || text.length * 3 <= maxBytes) return null;
  const bytes = utf8Bytes(text);
  if (bytes > maxBytes) {
    const who = options.ownLimit === true ? 'this client' : 'Customer.io';
    return invalid(operation, field, `${field} is ${bytes} bytes; ${who} allows at most ${maxBytes}`);
  }
  return null;
}
