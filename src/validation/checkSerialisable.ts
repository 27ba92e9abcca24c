import type { CioValidationError } from '../errors/CioError.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';

/** Nesting deeper than this is rejected rather than risk a stack overflow while serialising. */
const MAX_DEPTH = 256;

/**
 * A field path, spelt out only when a problem is reported: the walk itself builds no strings (a
 * node per nested object or array, none for leaves).
 */
type Path = string | { readonly parent: Path; readonly key: string | number };

interface Problem {
  readonly path: Path;
  readonly reason: string;
}

function pathText(path: Path): string {
  return typeof path === 'string' ? path : childPath(pathText(path.parent), path.key);
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
  const problem = findProblem(value, field, undefined, 0);
  if (problem === null) return null;
  const path = pathText(problem.path);
  return invalid(operation ?? 'validate', path, `${path} ${problem.reason}`);
}

/** Why a value that is not an object cannot be sent as JSON, or null when it can. */
function leafReason(value: unknown): string | null {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? null : 'is not a finite number (JSON would send null)';
    case 'bigint':
      return 'is a BigInt, which JSON cannot serialise (convert it to a string or number)';
    case 'function':
      return 'is a function, which JSON cannot serialise';
    case 'symbol':
      return 'is a symbol, which JSON cannot serialise';
    default:
      return null;
  }
}

/**
 * `ancestors` holds the objects being walked, outermost first (a cycle is one of them reached
 * again); it is made on the first object met.
 */
function findProblem(value: unknown, path: Path, ancestors: object[] | undefined, depth: number): Problem | null {
  if (typeof value === 'object' && value !== null) return findObjectProblem(value, path, ancestors ?? [], depth);
  const reason = leafReason(value);
  return reason === null ? null : { path, reason };
}

function findObjectProblem(value: object, path: Path, ancestors: object[], depth: number): Problem | null {
  if (ancestors.includes(value)) return { path, reason: 'refers back to an object that contains it (a cycle)' };
  if (depth >= MAX_DEPTH) return { path, reason: `is nested more than ${MAX_DEPTH} levels deep` };
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? { path, reason: 'is an invalid Date (JSON would send null)' } : null;
  }
  if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet) {
    return { path, reason: `is a ${value.constructor.name}, which JSON serialises as {} (convert it first)` };
  }
  ancestors.push(value);
  try {
    return findChildProblem(value, path, ancestors, depth);
  } finally {
    ancestors.pop();
  }
}

/** Checks one property or item: leaves need no path unless they are the problem. */
function findItemProblem(child: unknown, parent: Path, key: string | number, ancestors: object[], depth: number): Problem | null {
  if (typeof child === 'object' && child !== null) return findObjectProblem(child, { parent, key }, ancestors, depth);
  const reason = leafReason(child);
  return reason === null ? null : { path: { parent, key }, reason };
}

function findChildProblem(value: object, path: Path, ancestors: object[], depth: number): Problem | null {
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    let replaced: unknown;
    try {
      replaced = toJSON.call(value, '');
    } catch {
      return { path, reason: 'could not be serialised: its toJSON() threw' };
    }
    if (replaced !== value) return findProblem(replaced, path, ancestors, depth + 1);
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = findItemProblem(value[index], path, index, ancestors, depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch {
      return { path: { parent: path, key }, reason: 'could not be read: its getter threw' };
    }
    const problem = findItemProblem(child, path, key, ancestors, depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}
