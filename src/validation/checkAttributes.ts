import type { CioValidationError } from '../errors/CioError.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';
import { CIO_LIMITS, utf8Bytes } from './limits.js';
import type { JsonRecord } from './isRecord.js';
import { jsonText, READ_AGAIN_FAILED } from './jsonText.js';

/**
 * Attributes Customer.io reads as instructions rather than stored values; they are not counted or
 * size-checked as attributes (a relationship list is often longer than 1000 bytes).
 */
const RESERVED = new Set(['cio_relationships']);

/** Longest part of an attribute name quoted in a message about it. */
const NAME_PREVIEW = 40;

/**
 * Checks a set of person or device attributes: at most 300 of them, each name at most 150 bytes and
 * each value at most 1000 bytes (a string by its UTF-8 bytes, anything else by its JSON text).
 * Attributes whose value is `undefined` are not sent, so they are not counted. Expects a value that
 * already passed {@link checkSerialisable}.
 */
export function checkAttributes(operation: string, attributes: JsonRecord, field: string): CioValidationError | null {
  const names = Object.keys(attributes).filter((name) => attributes[name] !== undefined && !RESERVED.has(name));
  if (names.length > CIO_LIMITS.attributesPerCall) {
    return invalid(
      operation,
      field,
      `${field} has ${names.length} attributes; Customer.io allows at most ${CIO_LIMITS.attributesPerCall} per call`,
    );
  }
  for (const name of names) {
    const problem = checkAttribute(operation, name, attributes[name], childPath(field, name));
    if (problem !== null) return problem;
  }
  return null;
}

function checkAttribute(operation: string, name: string, value: unknown, path: string): CioValidationError | null {
  const nameBytes = utf8Bytes(name);
  if (nameBytes > CIO_LIMITS.attributeNameBytes) {
    const characters = [...name];
    const preview = characters.length > NAME_PREVIEW ? `${characters.slice(0, NAME_PREVIEW).join('')}…` : name;
    return invalid(
      operation,
      path,
      `attribute name "${preview}" is ${nameBytes} bytes; Customer.io allows at most ${CIO_LIMITS.attributeNameBytes}`,
    );
  }
  let valueBytes: number;
  if (typeof value === 'string') valueBytes = utf8Bytes(value);
  else {
    const json = jsonText(value);
    if (json === undefined) return invalid(operation, path, `${path} ${READ_AGAIN_FAILED}`);
    valueBytes = utf8Bytes(json);
  }
  if (valueBytes > CIO_LIMITS.attributeValueBytes) {
    return invalid(
      operation,
      path,
      `the value of attribute ${path} is ${valueBytes} bytes; Customer.io allows at most ${CIO_LIMITS.attributeValueBytes}`,
    );
  }
  return null;
}
