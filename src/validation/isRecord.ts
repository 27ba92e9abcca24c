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

const isEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * The value JSON sends for `key` of `record`. For a plain object (what almost every call carries)
 * that is just the property; for a class instance or an object made with `Object.create`, only an
 * own enumerable property counts: an inherited one is not sent, so the rules neither read it nor run
 * an inherited getter. Expects a record that passed `checkSerialisable` (not a Proxy).
 */
export function jsonProperty(record: JsonRecord, key: string): unknown {
  const proto = Object.getPrototypeOf(record) as unknown;
  if (proto === Object.prototype || proto === null) return record[key];
  return isEnumerable.call(record, key) ? record[key] : undefined;
}
