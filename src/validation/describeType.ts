/**
 * Names the kind of a value for an error message ("an array", "a string", "null") without showing the
 * value itself.
 */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'object':
      return 'an object';
    case 'bigint':
      return 'a BigInt';
    default:
      return `a ${typeof value}`;
  }
}
