import { OPERATIONS, OPERATION_NAMES } from '../client/operations.js';
import type { OperationName } from '../client/types.js';

/** How many arguments each operation takes before its optional `CallOptions` (the client's own table). */
export const OPERATION_ARITY: Readonly<Record<OperationName, number>> = Object.freeze(
  Object.fromEntries(OPERATION_NAMES.map((name) => [name, OPERATIONS[name].arity])) as Record<OperationName, number>,
);

/** The operation names, in a fixed order. */
export const SCOPED_OPERATIONS: readonly OperationName[] = OPERATION_NAMES;
