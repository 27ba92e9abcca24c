import { randomBytes } from 'node:crypto';
import { fail } from '../http.js';
import { personKey } from '../identity.js';
import { describe, isRecord } from '../validate.js';
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

/** A transactional send (email or push): needs `identifiers`; answers `{ delivery_id, queued_at }`. */
function send(operation: 'sendEmail' | 'sendPush'): Handler {
  return (ctx) => {
    if (!isRecord(ctx.body)) return fail(400, 'request body must be a JSON object');
    const who = personKey(ctx.body['identifiers'], 'identifiers');
    if (who.key === null) return fail(400, describe(who.problems));
    record(ctx, operation, who.key);
    return {
      status: 200,
      body: { delivery_id: randomBytes(12).toString('base64url'), queued_at: Math.floor(ctx.now() / 1000) },
    };
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
  {
    method: 'POST',
    pattern: /^\/v1\/campaigns\/(?<id>[^/]+)\/triggers$/,
    api: 'app',
    operation: 'triggerBroadcast',
    handler: triggerBroadcast,
  },
];
