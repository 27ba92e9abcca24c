import type { CioValidationError } from '../errors/CioError.js';
import { checkSerialisable } from '../validation/checkSerialisable.js';
import { invalid } from '../validation/invalid.js';
import { compositeOf, type CompositeSpec } from './composite.js';
import type { OperationSpec } from './spec.js';
import { specOf } from './table.js';

/**
 * Checks a call against Customer.io's limits before any request is made.
 *
 * Every parameter of the operation must be plain JSON data (see {@link checkSerialisable}); then the
 * operation's own rules apply (its `check` in the operations table) (identifier sizes and well-formedness, event name and data sizes,
 * attribute count, name and value sizes, ULID event ids, transactional message requirements).
 * Arguments past the operation's parameters, such as the client's `{ idempotencyKey }` options, are
 * ignored. Messages name fields, paths and sizes, never a value or the text of an error a caller's
 * code threw.
 *
 * Total: it never throws, whatever it is given (Proxies, throwing getters or `toJSON()`, boxed
 * primitives …); each such input is a {@link CioValidationError} (`INVALID_INPUT`). When it returns
 * `null`, the arguments are safe to read again, serialise and put in a URL.
 *
 * @param operation An operation name of customerio-node's `TrackClient` / `APIClient`, e.g. `'track'`.
 * @param args The arguments, in the SDK's order.
 * @returns The first violation found, or `null` when the call is valid or the operation has no rules.
 */
export function validateCall(operation: string, args: readonly unknown[]): CioValidationError | null {
  const rule: Rule | undefined = specOf(operation) ?? compositeOf(operation);
  if (rule === undefined) return null;
  const params = rule.params;
  let index = 0;
  try {
    for (; index < params.length; index++) {
      const problem = checkSerialisable(args[index], params[index]!, operation);
      if (problem !== null) return problem;
    }
    return rule.check(operation, args);
  } catch {
    // Only a caller's getter or toJSON() that answered once and threw when the rules read it again
    // gets here (the walk above guards each read of its own).
    return unreadable(operation, rule, args, index);
  }
}

/** The rejection of arguments that threw while being read; names the parameter being read. */
type Rule = Pick<OperationSpec | CompositeSpec, 'params' | 'check'>;

function unreadable(operation: string, rule: Rule, args: readonly unknown[], index: number): CioValidationError {
  const params = rule.params;
  let at = index < params.length ? index : -1;
  if (at < 0) {
    // While the rules ran: only an object can run caller code when read.
    for (let i = 0; i < params.length && at < 0; i++) {
      try {
        if (typeof args[i] === 'object' && args[i] !== null) at = i;
      } catch {
        at = i;
      }
    }
  }
  const field = params[Math.max(at, 0)] ?? 'arguments';
  return invalid(operation, field, `${field} could not be read: a getter or toJSON() threw when read again`);
}
