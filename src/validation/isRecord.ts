/** A JSON object as Customer.io takes it: property names mapped to values. */
export type JsonRecord = Record<string, unknown>;

/**
 * True for an object that serialises as a JSON object: not `null`, not an array, not a `Date`, `Map`
 * or `Set`. Class instances are accepted (their own enumerable properties are what JSON sends).
 */
export function isRecord(value: unknown): value is JsonRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Map) &&
    !(value instanceof Set)
  );
}
