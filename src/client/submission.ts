import { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import type { CallName, CallOptions } from '../operations/types.js';
import { checkCallerKey } from './guard.js';

/** Reads a call's optional `CallOptions`; a malformed one is a validation error. */
export function readOptions(operation: string, arity: number, last: unknown): CallOptions | CioValidationError {
  const options: CallOptions = {};
  if (last === undefined) return options;
  if (typeof last !== 'object' || last === null || Array.isArray(last)) {
    return new CioValidationError('options', `${operation}: the call options (argument ${arity + 1}) must be an object such as { idempotencyKey }, got ${describeType(last)}`);
  }
  let given: { idempotencyKey?: unknown; batch?: unknown };
  try {
    given = { idempotencyKey: (last as CallOptions).idempotencyKey, batch: (last as CallOptions).batch };
  } catch {
    return new CioValidationError('options', `${operation}: the call options could not be read`);
  }
  const invalid = checkCallerKey(operation, 'options.idempotencyKey', given.idempotencyKey);
  if (invalid) return invalid;
  if (given.idempotencyKey !== undefined) options.idempotencyKey = given.idempotencyKey as string;
  if (given.batch !== undefined) {
    if (typeof given.batch !== 'boolean') {
      return new CioValidationError('options.batch', `${operation}: options.batch must be a boolean, got ${describeType(given.batch)}`);
    }
    if (given.batch) options.batch = true;
  }
  return options;
}

/** One call of an operation, as the request scope (or any other internal caller) hands it in. */
export interface Submission {
  readonly operation: CallName;
  /** The operation's arguments (a copy the caller will not change). */
  readonly args: unknown[];
  /** A key the caller gives (validated here), or `undefined`. */
  readonly idempotencyKey: string | undefined;
  /** Whether it may wait for a batch. */
  readonly batch: boolean;
  /**
   * The OpenTelemetry context the call's span is a child of, when it is not the active one (a
   * request-scoped call sent after the response; a part of a composite call).
   */
  readonly parent?: unknown;
}
