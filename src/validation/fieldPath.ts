const PLAIN_NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Appends a property name or an array index to a field path, the way a reader would write it:
 * `childPath('data', 'items')` is `data.items`, `childPath('data.items', 2)` is `data.items[2]`, and a
 * name that is not a plain identifier is quoted: `data["first name"]`.
 */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (PLAIN_NAME.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}
