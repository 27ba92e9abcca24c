import type { CioValidationError } from '../errors/CioError.js';
import { checkOptionalRecord } from './checkRecord.js';
import { checkRequiredString, checkWellFormed } from './checkString.js';
import { describeType } from '../internal/describe.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';
import { isRecord, jsonProperty } from './isRecord.js';
import { jsonText, READ_AGAIN_FAILED } from './jsonText.js';
import { isUlid } from '../internal/ulid.js';
import { CIO_LIMITS, utf8Bytes } from './limits.js';

/**
 * Checks the event argument of `track` / `trackAnonymous`: an object with a `name` (not blank, at most
 * 100 bytes, well-formed), optional `data` (an object, at most 100 000 bytes serialised), optional
 * `id` (a ULID), optional `timestamp` (a number) and optional `type` (a string). Other properties pass
 * through unchecked. Only own enumerable properties count (what JSON sends). Expects a value that
 * already passed {@link checkSerialisable}.
 */
export function checkEvent(operation: string, event: unknown, field: string): CioValidationError | null {
  if (!isRecord(event)) {
    return invalid(operation, field, `${field} must be an event object with a name, got ${describeType(event)}`);
  }
  // Field paths are spelt out only for a message: a valid event builds none.
  const name = jsonProperty(event, 'name');
  if (typeof name !== 'string' || name.trim() === '') {
    const nameProblem = checkRequiredString(operation, name, childPath(field, 'name'));
    if (nameProblem !== null) return nameProblem;
  }
  if (!(name as string).isWellFormed()) return checkWellFormed(operation, name as string, childPath(field, 'name'));
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: a short name needs no counting.
  const nameBytes = (name as string).length * 3 <= CIO_LIMITS.eventNameBytes ? 0 : utf8Bytes(name as string);
  if (nameBytes > CIO_LIMITS.eventNameBytes) {
    return invalid(
      operation,
      childPath(field, 'name'),
      `event name is ${nameBytes} bytes; Customer.io allows at most ${CIO_LIMITS.eventNameBytes}`,
    );
  }
  return checkEventData(operation, jsonProperty(event, 'data'), field) ?? checkEventExtras(operation, event, field);
}

/** Checks `data` of the event at `field`. */
function checkEventData(operation: string, data: unknown, field: string): CioValidationError | null {
  if (data === undefined || data === null) return null;
  if (!isRecord(data)) return checkOptionalRecord(operation, data, childPath(field, 'data'));
  const json = jsonText(data);
  if (json === undefined) return invalid(operation, childPath(field, 'data'), `${childPath(field, 'data')} ${READ_AGAIN_FAILED}`);
  if (json.length * 3 <= CIO_LIMITS.eventDataBytes) return null;
  const bytes = utf8Bytes(json);
  if (bytes <= CIO_LIMITS.eventDataBytes) return null;
  return invalid(
    operation,
    childPath(field, 'data'),
    `event data is ${bytes} bytes serialised; Customer.io allows at most ${CIO_LIMITS.eventDataBytes}`,
  );
}

function checkEventExtras(operation: string, event: Record<string, unknown>, field: string): CioValidationError | null {
  const id = jsonProperty(event, 'id');
  const timestamp = jsonProperty(event, 'timestamp');
  const type = jsonProperty(event, 'type');
  if (id !== undefined && !isUlid(id)) {
    const path = childPath(field, 'id');
    return invalid(operation, path, `${path} must be a ULID (26 characters of Crockford base32, the first 0-7)`);
  }
  if (timestamp !== undefined && typeof timestamp !== 'number') {
    const path = childPath(field, 'timestamp');
    return invalid(operation, path, `${path} must be a Unix time in seconds (a number), got ${describeType(timestamp)}`);
  }
  if (type !== undefined && typeof type !== 'string') {
    const path = childPath(field, 'type');
    return invalid(operation, path, `${path} must be a string, got ${describeType(type)}`);
  }
  return null;
}
