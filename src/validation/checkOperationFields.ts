import type { CioValidationError } from '../errors/CioError.js';
import { checkAttributes } from './checkAttributes.js';
import { checkId, type IdOptions } from './checkId.js';
import { isIdentifierType } from './checkIdentifiers.js';
import { checkOptionalRecord } from './checkRecord.js';
import { checkRequiredString, checkWellFormed } from './checkString.js';
import { describeType } from '../internal/describe.js';
import { invalid } from './invalid.js';
import { isRecord } from './isRecord.js';
import { CIO_LIMITS, utf8Bytes } from './limits.js';

/** Options shared by every call (not an object literal per call). */
export const ALLOW_EMPTY: IdOptions = Object.freeze({ allowEmpty: true });
export const NO_BYTE_LIMIT: IdOptions = Object.freeze({ maxBytes: undefined });
export const DEVICE_TOKEN: IdOptions = Object.freeze({ maxBytes: CIO_LIMITS.deviceTokenBytes, ownLimit: true });

/** Optional attributes: absent, or an object within Customer.io's attribute limits. */
export function checkAttributesArg(op: string, data: unknown, field: string): CioValidationError | null {
  return checkOptionalRecord(op, data, field) ?? (isRecord(data) ? checkAttributes(op, data, field) : null);
}

/** One of `'id'`, `'email'` or `'cio_id'`. */
export function checkIdType(op: string, value: unknown, field: string): CioValidationError | null {
  if (isIdentifierType(value)) return null;
  const got = typeof value === 'string' ? 'another string' : describeType(value);
  return invalid(op, field, `${field} must be one of 'id', 'email' or 'cio_id', got ${got}`);
}

/** A page view's path: sent as the event name, so held to the event-name limit. */
export function checkPageName(op: string, path: unknown): CioValidationError | null {
  const problem = checkRequiredString(op, path, 'path') ?? checkWellFormed(op, path as string, 'path');
  if (problem !== null) return problem;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: a short path needs no counting.
  const bytes = (path as string).length * 3 <= CIO_LIMITS.pageNameBytes ? 0 : utf8Bytes(path as string);
  if (bytes <= CIO_LIMITS.pageNameBytes) return null;
  return invalid(
    op,
    'path',
    `page path is ${bytes} bytes; Customer.io allows at most ${CIO_LIMITS.pageNameBytes} (a page view is sent as an event of that name)`,
  );
}

/** A device id as `addDevice` takes it: a string (sent in the body), bounded like a token. */
export function checkDeviceId(op: string, value: unknown, field: string): CioValidationError | null {
  return checkRequiredString(op, value, field) ?? checkId(op, value, field, DEVICE_TOKEN);
}
