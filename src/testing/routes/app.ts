import { randomBytes } from 'node:crypto';
import { fail } from '../http.js';
import { personKey } from '../identity.js';
import { describe, isRecord } from '../validate.js';
import type { Problem } from '../validate.js';
import type { Handler, Route, RouteContext } from './context.js';

/** Record an App API operation and return it. */
function record(ctx: RouteContext, operation: string, personId: string | null) {
  return ctx.state.addOperation({
    requestSeq: ctx.requestSeq,
    source: 'app',
    operation,
    action: null,
    batchIndex: null,
    personId,
    duplicate: false,
    payload: ctx.body,
  });
}

/** The App API's transactional sends, by SDK method. */
type SendOperation = 'sendEmail' | 'sendPush' | 'sendSMS' | 'sendWhatsApp' | 'sendInboxMessage' | 'sendInApp';

/** The keys of a send's `identifiers`: one, and only one, of them names the person. */
const IDENTIFIER_KEYS = ['id', 'email', 'cio_id'] as const;

const problem = (field: string, reason: string, message: string): Problem => ({ field, reason, message });

/** A `transactional_message_id`: a template's numeric id or its trigger name. */
function checkTemplateId(value: unknown, required: boolean): Problem[] {
  if (value === undefined || value === null) {
    return required ? [problem('transactional_message_id', 'required', 'transactional_message_id is required')] : [];
  }
  if ((typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value))) return [];
  return [problem('transactional_message_id', 'invalid', 'transactional_message_id must be a template id or trigger name')];
}

/**
 * A transactional send: `identifiers` holding one, and only one, of `id`, `email` or `cio_id`;
 * `message_data` an object when sent; `to` / `from` strings when sent. SMS, WhatsApp, inbox and
 * in-app messages cannot be sent without a template, so they need a `transactional_message_id`
 * (an email may be inline; a push's id is checked when sent). Answers `{ delivery_id, queued_at }`
 * and remembers the delivery in `deliveries`.
 */
function send(operation: SendOperation): Handler {
  const templateRequired = operation !== 'sendEmail' && operation !== 'sendPush';
  return (ctx) => {
    if (!isRecord(ctx.body)) return fail(400, 'request body must be a JSON object');
    const body = ctx.body;
    const ids = body['identifiers'];
    const given = isRecord(ids) ? IDENTIFIER_KEYS.filter((k) => ids[k] !== undefined && ids[k] !== null) : [];
    if (given.length > 1) {
      return fail(400, `identifiers must hold one, and only one, of id, email or cio_id; found ${given.join(' and ')}`);
    }
    const who = personKey(ids, 'identifiers');
    const problems: Problem[] = [...who.problems, ...checkTemplateId(body['transactional_message_id'], templateRequired)];
    const data = body['message_data'];
    if (data !== undefined && data !== null && !isRecord(data)) problems.push(problem('message_data', 'invalid', 'message_data must be an object'));
    for (const field of ['to', 'from'] as const) {
      const value = body[field];
      if (value !== undefined && value !== null && typeof value !== 'string') problems.push(problem(field, 'invalid', `${field} must be a string`));
    }
    if (problems.length > 0 || who.key === null) return fail(400, describe(problems));
    record(ctx, operation, who.key);
    const deliveryId = randomBytes(12).toString('base64url');
    const templateId = body['transactional_message_id'];
    ctx.state.addDelivery({
      id: deliveryId,
      operation,
      personId: who.key,
      transactionalMessageId: typeof templateId === 'string' || typeof templateId === 'number' ? templateId : null,
      requestSeq: ctx.requestSeq,
    });
    return { status: 200, body: { delivery_id: deliveryId, queued_at: Math.floor(ctx.now() / 1000) } };
  };
}

/** `POST /v1/campaigns/:id/triggers`: answers `{ id }`, a trigger id. */
const triggerBroadcast: Handler = (ctx) => {
  if (ctx.body !== null && !isRecord(ctx.body)) return fail(400, 'request body must be a JSON object');
  const op = record(ctx, 'triggerBroadcast', null);
  return { status: 200, body: { id: op.seq } };
};

/** App API routes (`/v1/...`, Bearer auth). */
export const appRoutes: readonly Route[] = [
  { method: 'POST', pattern: /^\/v1\/send\/email$/, api: 'app', operation: 'sendEmail', handler: send('sendEmail') },
  { method: 'POST', pattern: /^\/v1\/send\/push$/, api: 'app', operation: 'sendPush', handler: send('sendPush') },
  { method: 'POST', pattern: /^\/v1\/send\/sms$/, api: 'app', operation: 'sendSMS', handler: send('sendSMS') },
  { method: 'POST', pattern: /^\/v1\/send\/whatsapp$/, api: 'app', operation: 'sendWhatsApp', handler: send('sendWhatsApp') },
  { method: 'POST', pattern: /^\/v1\/send\/inbox_message$/, api: 'app', operation: 'sendInboxMessage', handler: send('sendInboxMessage') },
  { method: 'POST', pattern: /^\/v1\/send\/in_app$/, api: 'app', operation: 'sendInApp', handler: send('sendInApp') },
  {
    method: 'POST',
    pattern: /^\/v1\/campaigns\/(?<id>[^/]+)\/triggers$/,
    api: 'app',
    operation: 'triggerBroadcast',
    handler: triggerBroadcast,
  },
];
