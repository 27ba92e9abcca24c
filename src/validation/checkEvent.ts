import type { CioValidationError } from '../errors/CioError.js';
import { checkOptionalRecord } from './checkRecord.js';
import { checkRequiredString } from './checkString.js';
import { describeType } from './describeType.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';
import { isRecord } from './isRecord.js';
import { isUlid } from './isUlid.js';
import { CIO_LIMITS, utf8Bytes } from './limits.js';

/**
 * Checks the event argument of `track` / `trackAnonymous`: an object with a `name` (not blank, at most
 * 100 bytes), optional `data` (an object, at most 100 000 bytes serialised), optional `id` (a ULID),
 * optional `timestamp` (a number) and optional `type` (a string). Other properties pass through
 * unchecked. Expects a value that already passed {@link checkSerialisable}.
 */
export function checkEvent(operation: string, event: unknown, field: string): CioValidationError | null {
  if (!isRecord(event)) {
    return invalid(operation, field, `${field} must be an event object with a name, got ${describeType(event)}`);
  }
  const namePath = childPath(field, 'name');
  const nameProblem = checkRequiredString(operation, event['name'], namePath);
  if (nameProblem !== null) return nameProblem;
  const nameBytes = utf8Bytes(event['name'] as string);
  if (nameBytes > CIO_LIMITS.eventNameBytes) {
    return invalid(
      operation,
      namePath,
      `event name is ${nameBytes} bytes; Customer.io allows at most ${CIO_LIMITS.eventNameBytes}`,
    );
  }
  return checkEventData(operation, event['data'], childPath(field, 'data')) ?? checkEventExtras(operation, event, field);
}

function checkEventData(operation: string, data: unknown, field: string): CioValidationError | null {
  const shape = checkOptionalRecord(operation, data, field);
  if (shape !== null || data === undefined || data === null) return shape;
  const bytes = utf8Bytes(JSON.stringify(data));
  if (bytes <= CIO_LIMITS.eventDataBytes) return null;
  return invalid(
    operation,
    field,
    `event data is ${bytes} bytes serialised; Customer.io allows at most ${CIO_LIMITS.eventDataBytes}`,
  );
}

function checkEventExtras(operation: string, event: Record<string, unknown>, field: string): CioValidationError | null {
  const { id, timestamp, type } = event;
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
