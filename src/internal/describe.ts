/** Value-free descriptions of what a caller gave, for error messages. */
import { types } from 'node:util';

/**
 * Names the kind of a value for an error message ("an array", "a string", "null") without showing the
 * value itself. Never throws and runs no caller code (a Proxy is named as such, unread).
 */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    case 'bigint':
      return 'a BigInt';
    default:
      return `a ${typeof value}`;
  }
  if (types.isProxy(value)) return 'a Proxy';
  if (Array.isArray(value)) return 'an array';
  if (types.isDate(value)) return 'a Date';
  if (types.isBoxedPrimitive(value)) return 'a boxed primitive';
  return 'an object';
}

/**
 * A short description of what an option was given, for an error message: a short string is quoted
 * (an option name, a region), anything else is named by its kind, never shown (a credential, a
 * long value).
 */
export function describeOption(value: unknown): string {
  if (typeof value === 'string') return value.length <= 40 ? JSON.stringify(value) : 'a long string';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describeType(value);
}
