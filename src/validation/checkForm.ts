import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { checkAttributes } from './checkAttributes.js';
import { checkId } from './checkId.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';
import { isRecord, jsonProperty, type JsonRecord } from './isRecord.js';

/** Form keys Customer.io reserves and ignores (they are not attributes). */
const RESERVED_FORM_KEYS: ReadonlySet<string> = new Set(['form_id', 'form_name', 'form_type', 'form_url', 'form_url_param']);

/** The identifier keys of a form submission: exactly one of them names the person. */
const FORM_IDENTIFIERS = ['id', 'email'] as const;

/**
 * Checks the `data` of `submitForm`: an object holding one, and only one, of `id` (a person id) or
 * `email` (a string), as Customer.io requires; every other field's value a string (the form's
 * fields), within the attribute limits (the submission identifies the person with them). The
 * reserved keys (`form_name` …) are not checked: Customer.io ignores them.
 */
export function checkFormData(operation: string, data: unknown, field: string): CioValidationError | null {
  if (!isRecord(data)) return invalid(operation, field, `${field} must be an object of the form's fields, got ${describeType(data)}`);
  const given = FORM_IDENTIFIERS.filter((k) => jsonProperty(data, k) !== undefined && jsonProperty(data, k) !== null);
  const [key] = given;
  if (given.length !== 1 || key === undefined) {
    const found = given.length === 0 ? 'none' : given.join(' and ');
    return invalid(operation, field, `${field} must hold one, and only one, of id or email; found ${found}`);
  }
  const problem = checkId(operation, jsonProperty(data, key), childPath(field, key));
  if (problem !== null) return problem;
  const fields: JsonRecord = {};
  for (const name of Object.keys(data)) {
    if (RESERVED_FORM_KEYS.has(name) || name === 'id') continue;
    const value = jsonProperty(data, name);
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      const path = childPath(field, name);
      return invalid(operation, path, `${path} must be a string (a form field), got ${describeType(value)}`);
    }
    fields[name] = value;
  }
  return checkAttributes(operation, fields, field);
}

