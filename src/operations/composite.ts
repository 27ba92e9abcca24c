/**
 * Calls made of several operations: `batch` (the caller's own Track v2 operations) and
 * `pipelines.batch` (Data Pipelines messages). The whole call is checked first (nothing is sent if
 * one part is invalid); then each part is an operation of its own (`entity`, `pipelines.track` …),
 * guarded, ordered, batched, queued and replayed as that operation is, so a raw batch keeps every
 * promise a single call keeps. Its parts go out together through their API's batch route.
 */
import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { checkPipelinesMessage, PIPELINES_KINDS, type PipelinesKind } from '../validation/checkPipelines.js';
import { checkV2Operation } from '../validation/checkV2Operation.js';
import { invalid } from '../validation/invalid.js';
import { isRecord } from '../validation/isRecord.js';
import { pipelinesOperationOf } from './pipelines.js';
import type { CioBatchResult, CioResult, CioResultStatus, CompositeName, OperationName } from './types.js';

/** Parts in one call: this package's own limit (each part is one operation of a batch request). */
export const MAX_PARTS = 1000;

/** One part of a composite call: an operation and its arguments. */
export interface Part {
  operation: OperationName;
  args: unknown[];
}

/** How a composite call is checked and taken apart. */
export interface CompositeSpec {
  /** Its one parameter's name: the root of field paths in validation errors. */
  readonly params: readonly [string];
  /** Checks the whole call (arguments already known to be JSON data); the first violation, or `null`. */
  check(operation: string, args: readonly unknown[]): CioValidationError | null;
  /** The parts of a call that passed `check`, in order. */
  parts(args: readonly unknown[]): Part[];
}

function checkList(operation: string, list: unknown, field: string, each: (item: unknown, path: string) => CioValidationError | null): CioValidationError | null {
  if (!Array.isArray(list)) return invalid(operation, field, `${field} must be an array, got ${describeType(list)}`);
  if (list.length === 0) return invalid(operation, field, `${field} must not be empty`);
  if (list.length > MAX_PARTS) return invalid(operation, field, `${field} has ${list.length} items; this client takes at most ${MAX_PARTS} in one call`);
  for (let i = 0; i < list.length; i++) {
    const problem = each(list[i], `${field}[${i}]`);
    if (problem) return problem;
  }
  return null;
}

const isKind = (v: unknown): v is PipelinesKind => typeof v === 'string' && (PIPELINES_KINDS as readonly string[]).includes(v);

/** A Pipelines batch item without its `type`: the payload of its own operation. */
function payloadOf(item: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...payload } = item;
  return payload;
}

export const COMPOSITES: { readonly [N in CompositeName]: CompositeSpec } = {
  batch: {
    params: ['operations'],
    check: (op, a) => checkList(op, a[0], 'operations', (item, path) => checkV2Operation(op, item, path)),
    parts: (a) => (a[0] as unknown[]).map((item) => ({ operation: 'entity', args: [item] })),
  },
  'pipelines.batch': {
    params: ['items'],
    check: (op, a) =>
      checkList(op, a[0], 'items', (item, path) => {
        if (!isRecord(item)) return invalid(op, path, `${path} must be an object, got ${describeType(item)}`);
        const type = item['type'];
        if (!isKind(type)) return invalid(op, `${path}.type`, `${path}.type must be one of ${PIPELINES_KINDS.join(', ')}, got ${typeof type === 'string' ? 'another string' : describeType(type)}`);
        return checkPipelinesMessage(op, payloadOf(item), type, path);
      }),
    parts: (a) =>
      (a[0] as Array<Record<string, unknown>>).map((item) => ({ operation: pipelinesOperationOf(item['type'] as PipelinesKind), args: [payloadOf(item)] })),
  },
};

/** The spec of a composite call, or `undefined` for any other name. */
export function compositeOf(operation: string): CompositeSpec | undefined {
  return Object.hasOwn(COMPOSITES, operation) ? COMPOSITES[operation as CompositeName] : undefined;
}

/** Which part's status a composite call reports when not every part was sent: the first found of these. */
const PRECEDENCE: readonly CioResultStatus[] = ['failed', 'dropped', 'rejected', 'queued', 'duplicate'];

/** The result of a composite call from its parts' results. */
export function compositeResult(operation: CompositeName, idempotencyKey: string, items: CioResult[]): CioBatchResult {
  const attempts = items.reduce((max, r) => Math.max(max, r.attempts), 0);
  for (const status of PRECEDENCE) {
    const first = items.find((r) => r.status === status);
    if (first) return { status, operation, idempotencyKey, attempts, ...(first.error ? { error: first.error } : {}), items };
  }
  return { status: 'sent', operation, idempotencyKey, attempts, items };
}
