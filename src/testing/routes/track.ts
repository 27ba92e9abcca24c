import { fail } from '../http.js';
import type { Reply } from '../http.js';
import { personKey } from '../identity.js';
import type { OperationInput } from '../state.js';
import type { DeliveredEventKind } from '../types.js';
import { checkAttributes, checkEvent, checkPersonId, describe, isRecord } from '../validate.js';
import type { Problem } from '../validate.js';
import type { Handler, Route, RouteContext } from './context.js';

/** Keys of a v1 identify body that are instructions, not attributes (exempt from attribute limits). */
const NON_ATTRIBUTE_KEYS = new Set(['cio_relationships']);

const OK: Reply = { status: 200 };

/** The body as an object: `{}` for an empty body, `null` when it is JSON but not an object. */
function bodyObject(ctx: RouteContext): Record<string, unknown> | null {
  if (ctx.body === null) return {};
  return isRecord(ctx.body) ? ctx.body : null;
}

/** Record a v1 operation. */
function record(ctx: RouteContext, operation: string, personId: string | null, duplicate = false): void {
  const op: OperationInput = {
    requestSeq: ctx.requestSeq,
    source: 'v1',
    operation,
    action: null,
    batchIndex: null,
    personId,
    duplicate,
    payload: ctx.body,
  };
  ctx.state.addOperation(op);
}

/** 400 with the problems, or `null` when there are none. */
function rejectIf(problems: readonly Problem[]): Reply | null {
  return problems.length > 0 ? fail(400, describe(problems)) : null;
}

/** Person id from the path (always present: the route pattern requires it). */
function pathPerson(ctx: RouteContext): string {
  return ctx.params['id'] ?? '';
}

const identify: Handler = (ctx) => {
  const person = pathPerson(ctx);
  const body = bodyObject(ctx);
  if (body === null) return fail(400, 'request body must be a JSON object');
  const attributes = Object.fromEntries(Object.entries(body).filter(([k]) => !NON_ATTRIBUTE_KEYS.has(k)));
  const bad = rejectIf([...checkPersonId(person, 'customer id'), ...checkAttributes(attributes, 'attributes')]);
  if (bad) return bad;
  ctx.state.identify(person, attributes, null);
  record(ctx, 'identify', person);
  return OK;
};

/** A handler for routes that only address a person: destroy, suppress, unsuppress. */
function personOnly(operation: 'destroy' | 'suppress' | 'unsuppress'): Handler {
  return (ctx) => {
    const person = pathPerson(ctx);
    const bad = rejectIf(checkPersonId(person, 'customer id'));
    if (bad) return bad;
    ctx.state[operation](person);
    record(ctx, operation, person);
    return OK;
  };
}

/** Kind of a v1 event from its `type`. */
function eventKind(type: unknown): DeliveredEventKind {
  return type === 'page' ? 'page' : type === 'screen' ? 'screen' : 'event';
}

/** Validate and deliver a v1 event for `person` (or anonymously when `null`). */
function deliver(ctx: RouteContext, operation: string, person: string | null, extra: readonly Problem[]): Reply {
  const body = bodyObject(ctx);
  if (body === null) return fail(400, 'request body must be a JSON object');
  const anonymousId = typeof body['anonymous_id'] === 'string' && body['anonymous_id'] !== '' ? body['anonymous_id'] : null;
  const bad = rejectIf([
    ...extra,
    ...(anonymousId === null ? [] : checkPersonId(anonymousId, 'anonymous_id')),
    ...checkEvent({ name: body['name'], id: body['id'], data: body['data'], dataField: 'data' }),
  ]);
  if (bad) return bad;
  const id = typeof body['id'] === 'string' ? body['id'] : null;
  const data = isRecord(body['data']) ? body['data'] : {};
  const delivered = ctx.state.deliverEvent({
    requestSeq: ctx.requestSeq,
    source: 'v1',
    kind: eventKind(body['type']),
    name: String(body['name']),
    personId: person,
    anonymousId,
    id,
    data,
    timestamp: typeof body['timestamp'] === 'number' ? body['timestamp'] : null,
  });
  record(ctx, operation, person, !delivered);
  return OK;
}

const track: Handler = (ctx) => {
  const person = pathPerson(ctx);
  const operation = isRecord(ctx.body) && ctx.body['type'] === 'page' ? 'trackPageView' : 'track';
  return deliver(ctx, operation, person, checkPersonId(person, 'customer id'));
};

const trackAnonymous: Handler = (ctx) => deliver(ctx, 'trackAnonymous', null, []);

const addDevice: Handler = (ctx) => {
  const person = pathPerson(ctx);
  const body = bodyObject(ctx);
  const device = body?.['device'];
  const problems: Problem[] = [...checkPersonId(person, 'customer id')];
  if (!isRecord(device)) {
    problems.push({ field: 'device', reason: 'required', message: 'device is required' });
  } else {
    if (typeof device['id'] !== 'string' || device['id'] === '') {
      problems.push({ field: 'device.id', reason: 'required', message: 'device.id is required' });
    }
    // Customer.io's device object (common to v1 and v2) requires a platform.
    if (typeof device['platform'] !== 'string' || device['platform'] === '') {
      problems.push({ field: 'device.platform', reason: 'required', message: 'device.platform is required' });
    }
    problems.push(...checkAttributes(device['attributes'], 'device.attributes'));
  }
  const bad = rejectIf(problems);
  if (bad || !isRecord(device)) return bad ?? fail(400, 'device is required');
  ctx.state.addDevice(person, {
    token: String(device['id']),
    platform: typeof device['platform'] === 'string' ? device['platform'] : null,
    lastUsed: typeof device['last_used'] === 'number' ? device['last_used'] : null,
    attributes: isRecord(device['attributes']) ? device['attributes'] : {},
  });
  record(ctx, 'addDevice', person);
  return OK;
};

const deleteDevice: Handler = (ctx) => {
  const person = pathPerson(ctx);
  const bad = rejectIf(checkPersonId(person, 'customer id'));
  if (bad) return bad;
  ctx.state.deleteDevice(person, ctx.params['token'] ?? '');
  record(ctx, 'deleteDevice', person);
  return OK;
};

const mergeCustomers: Handler = (ctx) => {
  const body = bodyObject(ctx) ?? {};
  const primary = personKey(body['primary'], 'primary');
  const secondary = personKey(body['secondary'], 'secondary');
  const bad = rejectIf([...primary.problems, ...secondary.problems]);
  if (bad || primary.key === null || secondary.key === null) return bad ?? fail(400, 'invalid merge');
  ctx.state.merge(primary.key, secondary.key);
  record(ctx, 'mergeCustomers', primary.key);
  return OK;
};

const region: Handler = (ctx) => ({
  status: 200,
  body: {
    url: ctx.region === 'eu' ? 'https://track-eu.customer.io' : 'https://track.customer.io',
    data_center: ctx.region,
    environment_id: ctx.siteId,
  },
});

const ID = '(?<id>[^/]+)';

/** Track API v1 routes (`/api/v1/...`). */
export const trackV1Routes: readonly Route[] = [
  { method: 'PUT', pattern: new RegExp(`^/api/v1/customers/${ID}$`), api: 'track', operation: 'identify', handler: identify },
  { method: 'DELETE', pattern: new RegExp(`^/api/v1/customers/${ID}$`), api: 'track', operation: 'destroy', handler: personOnly('destroy') },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/customers/${ID}/events$`),
    api: 'track',
    operation: (body) => (isRecord(body) && body['type'] === 'page' ? 'trackPageView' : 'track'),
    handler: track,
  },
  { method: 'POST', pattern: /^\/api\/v1\/events$/, api: 'track', operation: 'trackAnonymous', handler: trackAnonymous },
  { method: 'POST', pattern: new RegExp(`^/api/v1/customers/${ID}/suppress$`), api: 'track', operation: 'suppress', handler: personOnly('suppress') },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/customers/${ID}/unsuppress$`),
    api: 'track',
    operation: 'unsuppress',
    handler: personOnly('unsuppress'),
  },
  { method: 'PUT', pattern: new RegExp(`^/api/v1/customers/${ID}/devices$`), api: 'track', operation: 'addDevice', handler: addDevice },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/api/v1/customers/${ID}/devices/(?<token>[^/]+)$`),
    api: 'track',
    operation: 'deleteDevice',
    handler: deleteDevice,
  },
  { method: 'POST', pattern: /^\/api\/v1\/merge_customers$/, api: 'track', operation: 'mergeCustomers', handler: mergeCustomers },
  { method: 'GET', pattern: /^\/api\/v1\/accounts\/region$/, api: 'track', operation: 'getAccountRegion', handler: region },
];
