import { compositeResult, type CompositeSpec } from '../operations/composite.js';
import type { CioBatchResult, CioResult, CompositeName } from '../operations/types.js';
import { validateCall } from '../operations/validateCall.js';
import type { Tracing } from '../telemetry/tracing.js';
import { endCallTrace, type Calls } from './calls.js';
import { checkCallerKey } from './guard.js';
import type { Submission } from './submission.js';

/**
 * A composite call (`batch`, `pipelines.batch`): checked whole (nothing is sent if a part is
 * invalid), then each part handed to `submit` as its own operation, batched; resolves the parts'
 * results. Never rejects.
 */
export function submitParts(
  operation: CompositeName,
  composite: CompositeSpec,
  { args, idempotencyKey, parent }: Submission,
  submit: (call: Submission) => Promise<CioResult>,
  calls: Calls,
  tracing: Tracing | undefined,
): Promise<CioBatchResult> {
  // The call's span is the parent of its parts' spans.
  const api = operation === 'pipelines.batch' ? 'pipelines' : 'track';
  const trace = tracing?.call(operation, api, undefined, parent);
  try {
    const invalid = checkCallerKey(operation, 'options.idempotencyKey', idempotencyKey) ?? validateCall(operation, args);
    if (invalid) {
      const rejected = calls.finish({ status: 'rejected', operation, idempotencyKey: idempotencyKey ?? '', attempts: 0, error: invalid }, undefined, { trace, api });
      return Promise.resolve({ ...rejected, items: [] });
    }
    const partsParent = trace?.context ?? parent;
    // A key given for the call keys each part by its place: a repeat of the call repeats each part's key.
    const parts = composite.parts(args).map((part, i) =>
      submit({
        operation: part.operation,
        args: part.args,
        idempotencyKey: idempotencyKey === undefined ? undefined : `${idempotencyKey}#${i}`,
        batch: true,
        parent: partsParent,
      }),
    );
    trace?.set('customerio.batch.size', parts.length);
    return Promise.all(parts).then((items) => {
      const result = compositeResult(operation, idempotencyKey ?? '', items);
      if (trace) endCallTrace(trace, result);
      return result;
    });
  } catch (err) {
    return Promise.resolve({ ...calls.crashed({ operation, idempotencyKey: '' }, performance.now(), err, { trace, api }), items: [] });
  }
}
