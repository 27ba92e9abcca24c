import type { CioValidationError } from '../errors/CioError.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';

/** Nesting deeper than this is rejected rather than risk a stack overflow while serialising. */
const MAX_DEPTH = 256;

interface Problem {
  readonly field: string;
  readonly reason: string;
}

/**
 * Checks that `value` survives `JSON.stringify` without error and without silently losing data.
 *
 * Rejected, with the path of the offending field: cycles, `BigInt`, functions, symbols, `NaN` and
 * `±Infinity`, invalid `Date`s, `Map`/`Set` (which serialise as `{}`), a `toJSON()` or getter that throws,
 * and nesting deeper than 256 levels. Accepted: `undefined` properties and array items (JSON drops or
 * nulls them, as callers expect), valid `Date`s, objects whose `toJSON()` returns something serialisable,
 * and the same object reached twice without a cycle. Symbol-keyed properties are ignored, as JSON does.
 *
 * @param value The value to check.
 * @param field Its path in the call, such as `data` or `request.message`; nested paths are built from it.
 * @param operation Prefixed to the message when given, e.g. `track`.
 * @returns `null` when serialisable, else a {@link CioValidationError} whose `field` is the offending path.
 */
export function checkSerialisable(value: unknown, field: string, operation?: string): CioValidationError | null {
  const problem = findProblem(value, field, new Set(), 0);
  if (problem === null) return null;
  return invalid(operation ?? 'validate', problem.field, `${problem.field} ${problem.reason}`);
}

function findProblem(value: unknown, field: string, ancestors: Set<object>, depth: number): Problem | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : { field, reason: 'is not a finite number (JSON would send null)' };
    case 'bigint':
      return { field, reason: 'is a BigInt, which JSON cannot serialise (convert it to a string or number)' };
    case 'function':
      return { field, reason: 'is a function, which JSON cannot serialise' };
    case 'symbol':
      return { field, reason: 'is a symbol, which JSON cannot serialise' };
    default:
      return value === null || typeof value !== 'object' ? null : findObjectProblem(value, field, ancestors, depth);
  }
}

function findObjectProblem(value: object, field: string, ancestors: Set<object>, depth: number): Problem | null {
  if (ancestors.has(value)) return { field, reason: 'refers back to an object that contains it (a cycle)' };
  if (depth >= MAX_DEPTH) return { field, reason: `is nested more than ${MAX_DEPTH} levels deep` };
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? { field, reason: 'is an invalid Date (JSON would send null)' } : null;
  }
  if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet) {
    return { field, reason: `is a ${value.constructor.name}, which JSON serialises as {} (convert it first)` };
  }
  ancestors.add(value);
  try {
    return findChildProblem(value, field, ancestors, depth);
  } finally {
    ancestors.delete(value);
  }
}

function findChildProblem(value: object, field: string, ancestors: Set<object>, depth: number): Problem | null {
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    let replaced: unknown;
    try {
      replaced = toJSON.call(value, '');
    } catch {
      return { field, reason: 'could not be serialised: its toJSON() threw' };
    }
    if (replaced !== value) return findProblem(replaced, field, ancestors, depth + 1);
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = findProblem(value[index], childPath(field, index), ancestors, depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const path = childPath(field, key);
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch {
      return { field: path, reason: 'could not be read: its getter threw' };
    }
    const problem = findProblem(child, path, ancestors, depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}
