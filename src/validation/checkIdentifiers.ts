import type { CioValidationError } from '../errors/CioError.js';
import { checkId } from './checkId.js';
import { describeType } from '../internal/describe.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';
import { isRecord, jsonProperty } from './isRecord.js';

/** The ways Customer.io identifies a person. */
export const IDENTIFIER_TYPES = Object.freeze(['id', 'email', 'cio_id'] as const);

/** One of {@link IDENTIFIER_TYPES}. */
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

/** True when `value` is `'id'`, `'email'` or `'cio_id'`. */
export function isIdentifierType(value: unknown): value is IdentifierType {
  return (IDENTIFIER_TYPES as readonly unknown[]).includes(value);
}

/**
 * Checks a transactional message's `identifiers`: an object holding exactly one of `id`, `email` or
 * `cio_id`, whose value is a valid person identifier (at most 150 bytes). Other keys are ignored.
 */
export function checkIdentifiers(operation: string, identifiers: unknown, field: string): CioValidationError | null {
  if (!isRecord(identifiers)) {
    return invalid(
      operation,
      field,
      `${field} must be an object with one of id, email or cio_id, got ${describeType(identifiers)}`,
    );
  }
  const present = IDENTIFIER_TYPES.filter((type) => jsonProperty(identifiers, type) !== undefined);
  const [only] = present;
  if (present.length !== 1 || only === undefined) {
    const found = present.length === 0 ? 'none' : present.join(' and ');
    return invalid(operation, field, `${field} must hold exactly one of id, email or cio_id; found ${found}`);
  }
  return checkId(operation, jsonProperty(identifiers, only), childPath(field, only));
}
