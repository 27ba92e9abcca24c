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

const problem = (field: string, reason: string, message: string): Problem => ({ field, reason, message });

/** A required string field: present and not empty. */
function requiredText(body: Record<string, unknown>, field: string): Problem[] {
  const value = body[field];
  return typeof value === 'string' && value !== '' ? [] : [problem(field, 'required', `${field} is required`)];
}

/** An optional field that must be a string (or a number, when `numbers`) when sent. */
function optionalText(body: Record<string, unknown>, field: string, numbers = false): Problem[] {
  const value = body[field];
  if (value === undefined || value === null || typeof value === 'string' || (numbers && typeof value === 'number')) return [];
  return [problem(field, 'invalid', `${field} must be a string`)];
}

/** An optional `timestamp`: whole unix seconds (Customer.io's references type it as an integer). */
function optionalTimestamp(body: Record<string, unknown>): Problem[] {
  const value = body['timestamp'];
  if (value === undefined || value === null || Number.isSafeInteger(value)) return [];
  return [problem('timestamp', 'invalid', 'timestamp must be an integer (unix seconds)')];
}

/** A field that must be one of `allowed`. */
function oneOf(body: Record<string, unknown>, field: string, allowed: ReadonlySet<string>): Problem[] {
  const value = body[field];
  if (typeof value === 'string' && allowed.has(value)) return [];
  const reason = value === undefined || value === null || value === '' ? 'required' : 'invalid';
  return [problem(field, reason, `${field} must be one of ${[...allowed].join(', ')}`)];
}

/** `event` values of `POST /api/v1/push/events` (Customer.io's "Report push metrics" reference). */
const PUSH_EVENTS: ReadonlySet<string> = new Set(['opened', 'converted', 'delivered']);

/**
 * `metric` values of `POST /api/v1/metrics`: the union of the channel lists in Customer.io's "Report
 * metrics" reference (email and webhook take all eight; in-app, push, Slack and SMS a subset).
 */
const METRICS: ReadonlySet<string> = new Set(['bounced', 'clicked', 'converted', 'deferred', 'delivered', 'dropped', 'opened', 'spammed']);

/**
 * A delivery metric (`trackPush`: `event`; `reportMetric`: `metric`). Both need a `delivery_id` (the
 * v2 `delivery` operation's `identifiers.id` is required too) and a listed metric. A metric for a
 * delivery the emulator issued is appended to it in `deliveries`; others are recorded only.
 */
function deliveryMetric(operation: 'trackPush' | 'reportMetric'): Handler {
  const field = operation === 'trackPush' ? 'event' : 'metric';
  const allowed = operation === 'trackPush' ? PUSH_EVENTS : METRICS;
  return (ctx) => {
    const body = bodyObject(ctx);
    if (body === null) return fail(400, 'request body must be a JSON object');
    const extra =
      operation === 'trackPush'
        ? optionalText(body, 'device_id')
        : [...optionalText(body, 'href'), ...optionalText(body, 'reason'), ...optionalText(body, 'recipient', true)];
    const bad = rejectIf([...requiredText(body, 'delivery_id'), ...oneOf(body, field, allowed), ...optionalTimestamp(body), ...extra]);
    if (bad) return bad;
    const delivery = ctx.state.addMetric(String(body['delivery_id']), String(body[field]));
    record(ctx, operation, delivery?.personId ?? null);
    return OK;
  };
}

/** Identifier kinds of a segment call's `id_type` query parameter (default `id`). */
const ID_TYPES: ReadonlySet<string> = new Set(['id', 'email', 'cio_id']);

/** Customer.io takes 1 to 1000 `ids` per segment call. */
const MAX_SEGMENT_IDS = 1000;

/**
 * `POST /api/v1/segments/:id/add_customers` and `.../remove_customers`: `{ ids: [...] }` (1 to 1000),
 * `?id_type=id|email|cio_id`. Entries that cannot be of the `id_type` (not a string or number, empty,
 * over 150 bytes, an "email" without `@`) are ignored, as Customer.io ignores values that don't match.
 */
function segmentMembers(operation: 'addCustomersToSegment' | 'removeCustomersFromSegment'): Handler {
  return (ctx) => {
    const body = bodyObject(ctx);
    const ids = body?.['ids'];
    const idType = ctx.query['id_type'] ?? 'id';
    const problems: Problem[] = [];
    if (!ID_TYPES.has(idType)) problems.push(problem('id_type', 'invalid', 'id_type must be one of id, email or cio_id'));
    if (!Array.isArray(ids) || ids.length === 0) {
      problems.push(problem('ids', 'required', 'ids must be a non-empty array'));
    } else if (ids.length > MAX_SEGMENT_IDS) {
      problems.push(problem('ids', 'too_many', `${ids.length} ids sent, the limit is ${MAX_SEGMENT_IDS}`));
    }
    const bad = rejectIf(problems);
    if (bad || !Array.isArray(ids)) return bad ?? fail(400, 'ids must be a non-empty array');
    const people: string[] = [];
    for (const value of ids as unknown[]) {
      if (checkPersonId(value, 'id').length > 0) continue;
      const text = String(value);
      if (idType === 'email' && !text.includes('@')) continue;
      people.push(idType === 'cio_id' ? `cio_${text}` : text);
    }
    const segment = ctx.params['id'] ?? '';
    if (operation === 'addCustomersToSegment') ctx.state.addToSegment(segment, people);
    else ctx.state.removeFromSegment(segment, people);
    record(ctx, operation, null);
    return OK;
  };
}

/** Form keys Customer.io reserves and ignores. */
const RESERVED_FORM_KEYS: ReadonlySet<string> = new Set(['form_id', 'form_name', 'form_type', 'form_url', 'form_url_param']);

/**
 * `POST /api/v1/forms/:id/submit`: `{ data }` holding one, and only one, of `id` or `email`; every
 * other field's value must be a string. Identifies the person with the fields as attributes (minus
 * `id` and the reserved keys) and answers 204, as Customer.io does.
 */
const submitForm: Handler = (ctx) => {
  const data = bodyObject(ctx)?.['data'];
  if (!isRecord(data)) return fail(400, 'data is required and must be an object');
  const given = (['id', 'email'] as const).filter((k) => data[k] !== undefined && data[k] !== null);
  const [key] = given;
  if (given.length !== 1 || key === undefined) {
    const found = given.length === 0 ? 'none' : given.join(' and ');
    return fail(400, `data must hold one, and only one, of id or email; found ${found}`);
  }
  const fields = Object.fromEntries(Object.entries(data).filter(([k]) => !RESERVED_FORM_KEYS.has(k) && k !== 'id'));
  const problems: Problem[] = [...checkPersonId(data[key], `data.${key}`)];
  if (key === 'email' && typeof data['email'] !== 'string') problems.push(problem('data.email', 'invalid', 'data.email must be a string'));
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string') problems.push(problem(`data.${name}`, 'invalid', `form field "${name}" must be a string`));
  }
  const bad = rejectIf([...problems, ...checkAttributes(fields, 'data')]);
  if (bad) return bad;
  const person = String(data[key]);
  ctx.state.identify(person, fields, null);
  record(ctx, 'submitForm', person);
  return { status: 204 };
};

/** A delivery id as Customer.io issues them: base64 text (letters, digits, `-_+/=`). */
const DELIVERY_ID = /^[A-Za-z0-9\-_+/=]+$/;

/**
 * `POST /unsubscribe/:delivery_id` (host root, no authentication): `{ unsubscribe: boolean }`. For a
 * delivery the emulator issued, sets its person's `unsubscribed` attribute to the flag; for any other
 * well-formed id it is recorded only. 400 for a malformed id or a non-boolean flag.
 */
const unsubscribe: Handler = (ctx) => {
  const body = bodyObject(ctx);
  if (body === null) return fail(400, 'request body must be a JSON object');
  const deliveryId = ctx.params['delivery'] ?? '';
  const flag = body['unsubscribe'];
  const problems: Problem[] = [];
  if (!DELIVERY_ID.test(deliveryId)) problems.push(problem('delivery_id', 'invalid', 'delivery_id is not a valid delivery id'));
  if (flag !== undefined && typeof flag !== 'boolean') problems.push(problem('unsubscribe', 'invalid', 'unsubscribe must be a boolean'));
  const bad = rejectIf(problems);
  if (bad) return bad;
  const person = ctx.state.deliveries.get(deliveryId)?.personId ?? null;
  if (person !== null && typeof flag === 'boolean') ctx.state.identify(person, { unsubscribed: flag }, null);
  record(ctx, 'unsubscribe', person);
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

/** Track API v1 routes (`/api/v1/...`, and `/unsubscribe/...` at the host root). */
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
  // Customer.io serves the metric routes and the unsubscribe route without authentication.
  { method: 'POST', pattern: /^\/api\/v1\/push\/events$/, api: 'track', operation: 'trackPush', noAuth: true, handler: deliveryMetric('trackPush') },
  { method: 'POST', pattern: /^\/api\/v1\/metrics$/, api: 'track', operation: 'reportMetric', noAuth: true, handler: deliveryMetric('reportMetric') },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/segments/${ID}/add_customers$`),
    api: 'track',
    operation: 'addCustomersToSegment',
    handler: segmentMembers('addCustomersToSegment'),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/segments/${ID}/remove_customers$`),
    api: 'track',
    operation: 'removeCustomersFromSegment',
    handler: segmentMembers('removeCustomersFromSegment'),
  },
  { method: 'POST', pattern: new RegExp(`^/api/v1/forms/${ID}/submit$`), api: 'track', operation: 'submitForm', handler: submitForm },
  { method: 'POST', pattern: /^\/unsubscribe\/(?<delivery>[^/]+)$/, api: 'track', operation: 'unsubscribe', noAuth: true, handler: unsubscribe },
];
