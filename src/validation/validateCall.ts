import type { CioValidationError } from '../errors/CioError.js';
import { checkSerialisable } from './checkSerialisable.js';
import { OPERATION_RULES } from './operationRules.js';

/**
 * Checks a call against Customer.io's limits before any request is made.
 *
 * Every parameter of the operation must be JSON-serialisable (see {@link checkSerialisable}); then the
 * operation's own rules apply (identifier sizes, event name and data sizes, attribute count, name and
 * value sizes, ULID event ids, transactional message requirements). Arguments past the operation's
 * parameters, such as the client's `{ idempotencyKey }` options, are ignored. Messages name fields,
 * paths and sizes, never attribute values.
 *
 * @param operation An operation name of customerio-node's `TrackClient` / `APIClient`, e.g. `'track'`.
 * @param args The arguments, in the SDK's order.
 * @returns The first violation found, or `null` when the call is valid or the operation has no rules.
 */
export function validateCall(operation: string, args: readonly unknown[]): CioValidationError | null {
  const rule = OPERATION_RULES.get(operation);
  if (rule === undefined) return null;
  const params = rule.params;
  for (let index = 0; index < params.length; index++) {
    const problem = checkSerialisable(args[index], params[index]!, operation);
    if (problem !== null) return problem;
  }
  return rule.check(operation, args);
}
