import { CioError } from '../errors/CioError.js';
import { CIO_LIMITS, utf8Bytes } from '../validation/limits.js';
import type { QueueEntry } from './store.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Customer.io v2 wants seconds since the epoch. */
const seconds = (ms: number): number => Math.floor(ms / 1000);

function identifiers(customerId: unknown): Obj | undefined {
  if (typeof customerId === 'number') return { id: String(customerId) };
  if (typeof customerId !== 'string' || customerId === '') return undefined;
  // A v1 path segment may be an id, an email or `cio_<id>`; the v2 body must say which. An email
  // (or anything with '@') is left to the v1 route, which resolves it by the workspace's settings.
  if (customerId.includes('@')) return undefined;
  if (customerId.startsWith('cio_')) return { cio_id: customerId.slice(4) };
  return { id: customerId };
}

/**
 * The Track v2 batch operation that replays a queued v1 call, or `undefined` when the entry
 * must be replayed on its own route. Identify and events carry a `timestamp` (the time the app
 * made the call), so a late replay cannot overwrite newer attributes and events keep their time;
 * events keep their ULID `id`, so a replay after a crash cannot duplicate them.
 */
export function toBatchOperation(entry: QueueEntry): Obj | undefined {
  return toBatchOp(entry.operation, entry.args, entry.enqueuedAt);
}

/**
 * The Track v2 batch operation of a v1 call made at `madeAt` (ms since the epoch), or `undefined`
 * when the call must go on its own v1 route (an email as the id, an event with fields v2 has no place
 * for, an operation v2 batches do not carry). Without `madeAt` (a live call) an identify carries no
 * timestamp, as on its v1 route, and events are stamped now.
 */
export function toBatchOp(operation: string, args: readonly unknown[], madeAt: number | undefined): Obj | undefined {
  const [first, second, third] = args;
  const ids = identifiers(first);
  if (!ids) return undefined;
  const base = { type: 'person', identifiers: ids };
  const ts = seconds(madeAt ?? Date.now());
  switch (operation) {
    case 'identify':
      return { ...base, action: 'identify', attributes: isObj(second) ? second : {}, ...(madeAt === undefined ? {} : { timestamp: ts }) };
    case 'track': {
      if (!isObj(second) || typeof second['name'] !== 'string') return undefined;
      const { name, data, id, timestamp, type, ...rest } = second;
      if ((type !== undefined && type !== 'event') || Object.keys(rest).length > 0) return undefined;
      return {
        ...base,
        action: 'event',
        name,
        ...(typeof id === 'string' ? { id } : {}),
        timestamp: typeof timestamp === 'number' ? timestamp : ts,
        attributes: isObj(data) ? data : {},
      };
    }
    case 'trackPageView':
      if (typeof second !== 'string') return undefined;
      return {
        ...base,
        action: 'page',
        name: second,
        ...(typeof third === 'string' ? { id: third } : {}),
        timestamp: typeof args[3] === 'number' ? args[3] : ts,
      };
    case 'destroy':
      return { ...base, action: 'delete' };
    case 'suppress':
      return { ...base, action: 'suppress' };
    case 'unsuppress':
      return { ...base, action: 'unsuppress' };
    default:
      return undefined;
  }
}

/** Room kept below Customer.io's 500 KB batch limit for the envelope and rounding. */
export const BATCH_BYTES = CIO_LIMITS.v2BatchBytes - 4 * 1024;

/** Bytes one operation adds to a batch body, or `undefined` if it is over the 32 KB a v2 operation may have. */
export function batchOpBytes(op: Obj): number | undefined {
  const bytes = utf8Bytes(JSON.stringify(op)) + 1;
  return bytes <= CIO_LIMITS.v2OperationBytes ? bytes : undefined;
}

/** One v2 batch item error as Customer.io reports it in a 207 answer. */
export interface BatchItemError {
  batch_index?: number;
  reason?: string;
  field?: string;
  message?: string;
}

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
export function batchItemErrors(answer: unknown): Map<number, BatchItemError> {
  const failed = new Map<number, BatchItemError>();
  const errors = isObj(answer) && Array.isArray(answer['errors']) ? (answer['errors'] as BatchItemError[]) : [];
  for (const e of errors) if (isObj(e) && typeof e.batch_index === 'number') failed.set(e.batch_index, e);
  return failed;
}

/** The error of one failed batch item: retryable for a transient reason, else a permanent rejection. */
export function batchItemError(item: BatchItemError): CioError {
  const reason = typeof item.reason === 'string' ? item.reason : 'unknown';
  const where = typeof item.field === 'string' ? ` on ${item.field}` : '';
  return isTransientItemReason(reason)
    ? new CioError('TRANSIENT', `batch item not accepted yet (${reason}${where})`, true)
    : new CioError('PERMANENT', `batch item rejected (${reason}${where})`, false);
}
