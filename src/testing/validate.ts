import { CIO_LIMITS, utf8Bytes } from '../validation/limits.js';

/** One validation failure, in the shape of a v2 batch error item (minus `batch_index`). */
export interface Problem {
  /** The offending field, dotted (`identifiers.id`, `attributes.plan`, `name`). */
  readonly field: string;
  /** Machine-readable reason: `required`, `invalid`, `too_long`, `too_large`, `too_many`. */
  readonly reason: string;
  /** Human-readable message. */
  readonly message: string;
}

import { isUlid } from '../internal/ulid.js';

export { isUlid };

/** Whether `value` is a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Byte size of a value as Customer.io counts it: strings by UTF-8 bytes, anything else as JSON. */
export function valueBytes(value: unknown): number {
  if (typeof value === 'string') return utf8Bytes(value);
  return utf8Bytes(JSON.stringify(value) ?? '');
}

/** Check a person identifier (id, email or cio_id). */
export function checkPersonId(value: unknown, field: string): Problem[] {
  if ((typeof value !== 'string' && typeof value !== 'number') || value === '') {
    return [{ field, reason: 'required', message: `${field} is required` }];
  }
  const bytes = utf8Bytes(String(value));
  if (bytes > CIO_LIMITS.personIdBytes) {
    return [
      {
        field,
        reason: 'too_long',
        message: `${field} is ${bytes} bytes, the limit is ${CIO_LIMITS.personIdBytes}`,
      },
    ];
  }
  return [];
}

/** Check person or device attributes: count, name sizes and value sizes. */
export function checkAttributes(attrs: unknown, field: string): Problem[] {
  if (attrs === undefined || attrs === null) return [];
  if (!isRecord(attrs)) {
    return [{ field, reason: 'invalid', message: `${field} must be an object` }];
  }
  const problems: Problem[] = [];
  const names = Object.keys(attrs);
  if (names.length > CIO_LIMITS.attributesPerCall) {
    problems.push({
      field,
      reason: 'too_many',
      message: `${names.length} attributes sent, the limit is ${CIO_LIMITS.attributesPerCall}`,
    });
  }
  for (const name of names) {
    const nameBytes = utf8Bytes(name);
    if (nameBytes > CIO_LIMITS.attributeNameBytes) {
      problems.push({
        field: `${field}.${name.slice(0, 20)}…`,
        reason: 'too_long',
        message: `attribute name is ${nameBytes} bytes, the limit is ${CIO_LIMITS.attributeNameBytes}`,
      });
      continue;
    }
    const bytes = valueBytes(attrs[name]);
    if (bytes > CIO_LIMITS.attributeValueBytes) {
      problems.push({
        field: `${field}.${name}`,
        reason: 'too_long',
        message: `attribute value of "${name}" is ${bytes} bytes, the limit is ${CIO_LIMITS.attributeValueBytes}`,
      });
    }
  }
  return problems;
}

/** The parts of an event that Customer.io limits. */
export interface EventParts {
  readonly name: unknown;
  readonly id: unknown;
  readonly data: unknown;
  /** Field name of the data (`data` in v1, `attributes` in v2). */
  readonly dataField: string;
}

/** Check an event: name present and short enough, `id` a ULID when present, data small enough. */
export function checkEvent(event: EventParts): Problem[] {
  const problems: Problem[] = [];
  if (typeof event.name !== 'string' || event.name === '') {
    problems.push({ field: 'name', reason: 'required', message: 'event name is required' });
  } else {
    const bytes = utf8Bytes(event.name);
    if (bytes > CIO_LIMITS.eventNameBytes) {
      problems.push({
        field: 'name',
        reason: 'too_long',
        message: `event name is ${bytes} bytes, the limit is ${CIO_LIMITS.eventNameBytes}`,
      });
    }
  }
  if (event.id !== undefined && !isUlid(event.id)) {
    problems.push({ field: 'id', reason: 'invalid', message: 'event id must be a valid ULID' });
  }
  if (event.data !== undefined && event.data !== null) {
    if (!isRecord(event.data)) {
      problems.push({ field: event.dataField, reason: 'invalid', message: `event ${event.dataField} must be an object` });
    } else {
      const bytes = valueBytes(event.data);
      if (bytes > CIO_LIMITS.eventDataBytes) {
        problems.push({
          field: event.dataField,
          reason: 'too_large',
          message: `event data is ${bytes} bytes, the limit is ${CIO_LIMITS.eventDataBytes}`,
        });
      }
    }
  }
  return problems;
}

/** Join problems into one Customer.io-style error message. */
export function describe(problems: readonly Problem[]): string {
  return problems.map((p) => p.message).join('; ');
}
