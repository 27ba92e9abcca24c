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
