import { describeOption } from '../internal/describe.js';

/** Shows a value in an error message (a short string quoted, anything else by its kind). */
export const show = describeOption;

/**
 * Checks a whole number option: `TypeError` when it is not a number, `RangeError` when it is not
 * a whole number within `[min, max]`. Returns `fallback` when the value is `undefined`.
 */
export function wholeNumber(where: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') {
    throw new TypeError(`${where} must be a whole number >= ${min}, got ${show(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${where} must be a whole number ${range}, got ${show(value)}`);
  }
  return value;
}

/** Checks a finite number of milliseconds `>= min`: `TypeError` when not a number, `RangeError` when out of range. */
export function milliseconds(where: string, value: unknown, min: number): number {
  if (typeof value !== 'number') throw new TypeError(`${where} must be a number of milliseconds >= ${min}, got ${show(value)}`);
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`${where} must be a finite number of milliseconds >= ${min}, got ${show(value)}`);
  }
  return value;
}

/** Checks a non-empty string option; returns `fallback` when the value is `undefined`. */
export function nonEmptyString(where: string, value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${where} must be a non-empty string, got ${show(value)}`);
  }
  return value;
}

/** Checks a clock option: a function returning ms since the epoch; `Date.now` when `undefined`. */
export function clock(where: string, value: unknown): () => number {
  if (value === undefined) return Date.now;
  if (typeof value !== 'function') throw new TypeError(`${where} must be a function returning ms since the epoch, got ${show(value)}`);
  return value as () => number;
}

/** Checks the options argument itself: an object or `undefined`. */
export function optionsObject<T extends object>(where: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where} options must be an object, got ${show(value)}`);
  }
  return value;
}
