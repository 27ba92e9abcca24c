/**
 * What Customer.io's answers mean for each operation, and what becomes of an operation that was
 * not delivered: one set of rules for live calls and for replays of the queue.
 */
import { CioError } from '../errors/CioError.js';
import type { RunOutcome } from '../policies/pipeline.js';
import type { Trace } from '../telemetry/tracing.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One v2 batch item error as Customer.io reports it in a 207 answer. */
export interface BatchItemError {
  batch_index?: number;
  reason?: string;
  field?: string;
  message?: string;
}

/** The outcome of one operation: delivered, or the error it was not delivered with. */
export type ItemOutcome = { ok: true; attempts: number } | { ok: false; error: CioError; attempts: number };

/**
 * 207 item reasons that a later try may fix (throttling, a server-side failure); any other reason
 * (a missing or invalid field, a value too long) is a permanent rejection. Only the machine-readable
 * `reason` is read, never the message, whose wording may mention limits of the payload.
 */
const TRANSIENT_ITEM_REASON = /^(rate_?limit(ed)?|throttled|too_many_requests|internal(_error)?|server_error|timeout|unavailable|temporar\w*|retry\w*)$/i;

/** Whether a 207 item `reason` says a later try may succeed. */
export function isTransientItemReason(reason: string): boolean {
  return TRANSIENT_ITEM_REASON.test(reason);
}

/** The failed items of a batch answer (a 207's `errors`), by their index in the batch. */
function batchItemErrors(answer: unknown): Map<number, BatchItemError> {
  const failed = new Map<number, BatchItemError>();
  const errors = isObj(answer) && Array.isArray(answer['errors']) ? (answer['errors'] as BatchItemError[]) : [];
  for (const e of errors) if (isObj(e) && typeof e.batch_index === 'number') failed.set(e.batch_index, e);
  return failed;
}

/** The error of one failed batch item: retryable for a transient reason, else a permanent rejection. */
function batchItemError(item: BatchItemError): CioError {
  const reason = typeof item.reason === 'string' ? item.reason : 'unknown';
  const where = typeof item.field === 'string' ? ` on ${item.field}` : '';
  return isTransientItemReason(reason)
    ? new CioError('TRANSIENT', `batch item not accepted yet (${reason}${where})`, true)
    : new CioError('PERMANENT', `batch item rejected (${reason}${where})`, false);
}

/** Answers that blame the batch body (not the credentials or the route). */
const BODY_REFUSED = new Set([400, 413, 422]);

/**
 * Each operation's outcome from the outcome of the batch request that carried `count` of them, or
 * `'each'` when Customer.io refused the body as a whole (too large, malformed: a 400, 413 or 422):
 * then each operation must be sent on its own, so one bad operation cannot sink the others.
 */
export function batchVerdicts(outcome: RunOutcome<unknown>, count: number): ItemOutcome[] | 'each' {
  if (!outcome.ok) {
    if (outcome.error.code === 'PERMANENT' && BODY_REFUSED.has(outcome.error.status ?? 0)) return 'each';
    const failed: ItemOutcome = { ok: false, error: outcome.error, attempts: outcome.attempts };
    return new Array<ItemOutcome>(count).fill(failed);
  }
  const failed = batchItemErrors(outcome.value);
  const sent: ItemOutcome = { ok: true, attempts: outcome.attempts };
  const out = new Array<ItemOutcome>(count);
  for (let i = 0; i < count; i++) {
    const item = failed.get(i);
    out[i] = item ? { ok: false, error: batchItemError(item), attempts: outcome.attempts } : sent;
  }
  return out;
}

/** What becomes of an operation that was not delivered. */
export type FailureRoute =
  /** It may have taken effect and may not be repeated: set aside as a dead letter, reported `failed`. */
  | 'ambiguous'
  /** Customer.io (or validation) refused it for good: never retried. */
  | 'refused'
  /** A later try may succeed: kept in the queue (or the call fails when there is none). */
  | 'retry';

/** Facts about an operation that decide its {@link FailureRoute}. */
export interface FailureFacts {
  /** Whether a repeat of it is harmless. */
  repeatable: boolean;
  /** `nonIdempotentDelivery: 'at-most-once'`: a send that may have taken effect is not repeated. */
  atMostOnce: boolean;
  /**
   * Whether it can be kept somewhere that outlives the client (a durable queue): a call abandoned by
   * close() that may have been delivered is ambiguous unless it can.
   */
  keepable: boolean;
}

/** The one rule, for live calls and replays alike, of what happens to an operation that was not delivered. */
export function routeFailure(error: CioError, facts: FailureFacts): FailureRoute {
  if (!facts.repeatable && error.maybeDelivered && facts.atMostOnce && error.retryable) return 'ambiguous';
  // Closing: what may have been delivered and cannot be kept in a queue that outlives close().
  if (error.code === 'CLOSED' && error.maybeDelivered && !facts.keepable) return 'ambiguous';
  return error.retryable ? 'retry' : 'refused';
}

/**
 * Ends the span of a request to Customer.io (a batch request, or a replay of one operation) with
 * its outcome: `sent`, `partial` (some items of a 207 answer failed: `customerio.batch.failed`), or
 * `failed` in error. A batch refused as a whole (its items then go alone) gets a
 * `customerio.batch.split` event.
 */
export function endRequestTrace(trace: Trace | undefined, outcome: RunOutcome<unknown>, verdicts?: ItemOutcome[] | 'each'): void {
  if (!trace) return;
  if (verdicts === 'each') trace.event('customerio.batch.split');
  if (!outcome.ok) {
    trace.end({ status: 'failed', attempts: outcome.attempts, errorCode: outcome.error.code });
    return;
  }
  let failed = 0;
  if (Array.isArray(verdicts)) for (const v of verdicts) if (!v.ok) failed++;
  if (failed > 0) trace.set('customerio.batch.failed', failed);
  trace.end({ status: failed > 0 ? 'partial' : 'sent', attempts: outcome.attempts });
}
