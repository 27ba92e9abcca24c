/**
 * The Data Pipelines API (`https://cdp.customer.io/v1`, served under `/cdp/v1`), as customerio-node's
 * `PipelinesClient` calls it: `POST /identify`, `/track`, `/page`, `/screen`, `/group`, `/alias` and
 * `/batch`, Basic auth with the source write key as the user name and a blank password.
 *
 * What Customer.io documents, and the emulator does (Pipelines API reference, docs.customer.io/integrations/api/cdp/):
 * - a success answers 200 with an empty object;
 * - `X-Strict-Mode: 1` "enables strict validation that returns proper HTTP error codes (400/401) for
 *   validation failures. When not set ..., the API operates in permissive mode, logging errors but
 *   returning HTTP 200": without it, a wrong write key, a body that is not JSON, an oversized or an
 *   invalid message is answered 200 and dropped (listed in `pipelinesRejected`);
 * - a 400 body is `{"meta":{"errors":["..."]}}`;
 * - "A request is limited to 32KB. A batch request is limited to 500KB total and 32KB per call in the
 *   request."
 * Messages are de-duplicated by `messageId`, as Segment's ingestion (whose API this one is) does.
 */
import type { Reply } from '../http.js';
import type { PipelinesMessageType } from '../types.js';
import { isRecord, valueBytes } from '../validate.js';
import type { Handler, Route, RouteContext } from './context.js';

/** Customer.io's Pipelines limits: a request (or a batch's item) 32 KB, a batch request 500 KB. */
export const PIPELINES_LIMITS = Object.freeze({ messageBytes: 32 * 1024, batchBytes: 500 * 1024 });

const TYPES: ReadonlySet<string> = new Set<PipelinesMessageType>(['identify', 'track', 'page', 'screen', 'group', 'alias']);

const OK: Reply = { status: 200, body: {} };

/** The body of a Pipelines error: `{"meta":{"errors":[...]}}`. */
function errorReply(status: number, errors: readonly string[]): Reply {
  return { status, body: { meta: { errors: [...errors] } } };
}

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';
const isId = (v: unknown): boolean => (typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && Number.isFinite(v));

/** Problems of one message of `type` (empty when it is valid). */
function check(type: PipelinesMessageType, message: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const { userId, anonymousId } = message;
  if (type === 'alias') {
    if (!isId(userId)) errors.push('userId is required');
    if (!isId(message['previousId'])) errors.push('previousId is required');
  } else {
    // An identify may name its person by `traits.email` alone (Customer.io's identify reference).
    const traits = message['traits'];
    const byEmail = type === 'identify' && isRecord(traits) && typeof traits['email'] === 'string' && traits['email'] !== '';
    if (!present(userId) && !present(anonymousId) && !byEmail) errors.push('userId or anonymousId is required');
    if (present(userId) && !isId(userId)) errors.push('userId must be a string or a number');
  }
  if (present(anonymousId) && (typeof anonymousId !== 'string' || anonymousId.trim() === '')) errors.push('anonymousId must be a string');
  if (type === 'track' && (typeof message['event'] !== 'string' || message['event'].trim() === '')) errors.push('event is required');
  if (type === 'group' && !isId(message['groupId'])) errors.push('groupId is required');
  for (const field of ['traits', 'properties', 'context', 'integrations']) {
    const value = message[field];
    if (value !== undefined && value !== null && !isRecord(value)) errors.push(`${field} must be an object`);
  }
  for (const field of ['name', 'category']) {
    const value = message[field];
    if (value !== undefined && value !== null && typeof value !== 'string') errors.push(`${field} must be a string`);
  }
  const timestamp = message['timestamp'];
  if (timestamp !== undefined && timestamp !== null && (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))) {
    errors.push('timestamp must be an ISO 8601 date-time string');
  }
  const messageId = message['messageId'];
  if (messageId !== undefined && messageId !== null && (typeof messageId !== 'string' || messageId === '')) errors.push('messageId must be a non-empty string');
  return errors;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);

/** Accept a valid message (or count it as a duplicate). */
function accept(ctx: RouteContext, type: PipelinesMessageType, message: Record<string, unknown>, batchIndex: number | null): void {
  const name = type === 'track' ? message['event'] : type === 'page' || type === 'screen' ? message['name'] : null;
  ctx.state.pipelines.accept({
    requestSeq: ctx.requestSeq,
    type,
    userId: text(message['userId']),
    anonymousId: text(message['anonymousId']),
    messageId: typeof message['messageId'] === 'string' ? message['messageId'] : null,
    name: typeof name === 'string' && name !== '' ? name : null,
    batchIndex,
    strict: ctx.strict,
    payload: message,
  });
}

/**
 * Answer a request Customer.io would not process: in strict mode with `status` and the errors, else
 * 200 (permissive mode). Either way it is listed in `pipelinesRejected`.
 */
function refuse(ctx: RouteContext, type: PipelinesMessageType | 'batch', status: 400 | 401, errors: readonly string[]): Reply {
  ctx.state.pipelines.reject({
    requestSeq: ctx.requestSeq,
    type,
    batchIndex: null,
    strict: ctx.strict,
    status,
    errors,
    payload: ctx.body === undefined ? null : ctx.body,
  });
  return ctx.strict ? errorReply(status, errors) : OK;
}

/** Refuse a request with a wrong or missing write key, or a body that is not JSON. */
function refuseRequest(ctx: RouteContext, type: PipelinesMessageType | 'batch'): Reply | null {
  if (ctx.auth !== 'ok') return refuse(ctx, type, 401, ['Unauthorized request: check the write key']);
  if (ctx.body === undefined) return refuse(ctx, type, 400, ['request body is not valid JSON']);
  return null;
}

/** `POST /cdp/v1/<type>`: one message. */
function single(type: PipelinesMessageType): Handler {
  return (ctx) => {
    const refused = refuseRequest(ctx, type);
    if (refused) return refused;
    if (ctx.bodyBytes > PIPELINES_LIMITS.messageBytes) {
      return refuse(ctx, type, 400, [`request is ${ctx.bodyBytes} bytes, the limit is ${PIPELINES_LIMITS.messageBytes}`]);
    }
    if (!isRecord(ctx.body)) return refuse(ctx, type, 400, ['request body must be a JSON object']);
    const errors = check(type, ctx.body);
    if (errors.length > 0) return refuse(ctx, type, 400, errors);
    accept(ctx, type, ctx.body, null);
    return OK;
  };
}

/**
 * `POST /cdp/v1/batch`: `{ batch: [ { type, ... } ] }`, each item checked as its route checks it
 * (and at most 32 KB serialised). Permissive mode applies the valid items and drops the others;
 * strict mode answers 400 listing every invalid item (`batch[i]: ...`) and applies none.
 */
const batch: Handler = (ctx) => {
  const refused = refuseRequest(ctx, 'batch');
  if (refused) return refused;
  if (ctx.bodyBytes > PIPELINES_LIMITS.batchBytes) {
    return refuse(ctx, 'batch', 400, [`batch request is ${ctx.bodyBytes} bytes, the limit is ${PIPELINES_LIMITS.batchBytes}`]);
  }
  const items = isRecord(ctx.body) ? ctx.body['batch'] : undefined;
  if (!Array.isArray(items) || items.length === 0) return refuse(ctx, 'batch', 400, ['batch must be a non-empty array of messages']);

  const valid: { index: number; type: PipelinesMessageType; message: Record<string, unknown> }[] = [];
  const invalid: { index: number; type: PipelinesMessageType | null; message: unknown; errors: string[] }[] = [];
  items.forEach((item: unknown, index) => {
    if (!isRecord(item)) {
      invalid.push({ index, type: null, message: item, errors: ['message must be a JSON object'] });
      return;
    }
    const type = typeof item['type'] === 'string' && TYPES.has(item['type']) ? (item['type'] as PipelinesMessageType) : null;
    if (type === null) {
      invalid.push({ index, type: null, message: item, errors: ['type must be one of identify, track, page, screen, group, alias'] });
      return;
    }
    const size = valueBytes(item);
    const errors = size > PIPELINES_LIMITS.messageBytes ? [`message is ${size} bytes, the limit is ${PIPELINES_LIMITS.messageBytes}`] : check(type, item);
    if (errors.length > 0) invalid.push({ index, type, message: item, errors });
    else valid.push({ index, type, message: item });
  });

  for (const { index, type, message, errors } of invalid) {
    ctx.state.pipelines.reject({ requestSeq: ctx.requestSeq, type, batchIndex: index, strict: ctx.strict, status: 400, errors, payload: message });
  }
  if (ctx.strict && invalid.length > 0) {
    return errorReply(400, invalid.flatMap(({ index, errors }) => errors.map((e) => `batch[${index}]: ${e}`)));
  }
  for (const { index, type, message } of valid) accept(ctx, type, message, index);
  return OK;
};

/** The route of one Pipelines call, named `pipelines.<type>` (as this package's operations table names it). */
const route = (type: PipelinesMessageType | 'batch', handler: Handler): Route => ({
  method: 'POST',
  pattern: new RegExp(`^/cdp/v1/${type}$`),
  api: 'pipelines',
  operation: `pipelines.${type}`,
  checksItself: true,
  handler,
});

/** Data Pipelines routes (`/cdp/v1/...`, Basic auth with the write key; see {@link Route.checksItself}). */
export const pipelinesRoutes: readonly Route[] = [
  route('identify', single('identify')),
  route('track', single('track')),
  route('page', single('page')),
  route('screen', single('screen')),
  route('group', single('group')),
  route('alias', single('alias')),
  route('batch', batch),
];
