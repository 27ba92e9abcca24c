/**
 * App API reads the emulator's state can answer truthfully (Bearer auth, as the App API sends):
 * people by email, by filter and by identifier; manual segment members and counts; a transactional
 * delivery. Reads record no operation. Shapes follow Customer.io's App API reference
 * (docs.customer.io/integrations/api/app/); see docs/emulator.md for what the emulator leaves out.
 */
import { fail } from '../http.js';
import type { Reply } from '../http.js';
import { ID_TYPES, attributesWithIdentifiers, findProfiles, identifiersOf, profiles } from '../profiles.js';
import type { IdType, Identifiers, Profile } from '../profiles.js';
import type { EmulatorState } from '../state.js';
import { isRecord } from '../validate.js';
import type { Handler, Route, RouteContext } from './context.js';

/** `{ email, id, cio_id }`, the shape of a person in `results` and `identifiers` arrays. */
const identifiersJson = ({ email, id, cio_id }: Identifiers) => ({ email, id, cio_id });

/** The `id_type` query parameter (default `id`), or a 400. */
function idTypeOf(ctx: RouteContext): IdType | Reply {
  const idType = ctx.query['id_type'] ?? 'id';
  return ID_TYPES.has(idType) ? (idType as IdType) : fail(400, 'id_type must be one of id, email or cio_id');
}

const isReply = (v: unknown): v is Reply => isRecord(v) && typeof v['status'] === 'number';

/**
 * A page of `items` by the `start` token and `limit` (at most `max`) query parameters. The emulator's
 * tokens are offsets; `next` is the token of the following page, `''` on the last one.
 */
function page<T>(ctx: RouteContext, items: readonly T[], max: number): { items: T[]; next: string } | Reply {
  const start = ctx.query['start'] ?? '';
  const offset = start === '' ? 0 : Number(start);
  if (!Number.isSafeInteger(offset) || offset < 0) return fail(400, 'start is not a page token this endpoint returned');
  const limitText = ctx.query['limit'];
  const limit = limitText === undefined || limitText === '' ? max : Number(limitText);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) return fail(400, `limit must be an integer from 1 to ${max}`);
  const end = offset + limit;
  return { items: items.slice(offset, end), next: end < items.length ? String(end) : '' };
}

/** The person a segment member's key names: stored, or (added to a segment without an identify) with no attributes. */
function profileOf(state: EmulatorState, key: string): Profile {
  const attributes = state.people.get(key) ?? {};
  return { key, attributes, identifiers: identifiersOf(key, attributes) };
}

/** `{ identifiers, ids, next }` for a page of people (`ids` holds `''` for a person without an id, as Customer.io's does). */
function peoplePage(ctx: RouteContext, people: readonly Profile[], max: number): Reply {
  const paged = page(ctx, people, max);
  if (isReply(paged)) return paged;
  return {
    status: 200,
    body: {
      identifiers: paged.items.map((p) => identifiersJson(p.identifiers)),
      ids: paged.items.map((p) => p.identifiers.id ?? ''),
      next: paged.next,
    },
  };
}

/** `GET /v1/customers?email=`: `{ results: [{ email, id, cio_id }] }`, empty (still 200) when nobody has the email. */
const getCustomersByEmail: Handler = (ctx) => {
  const email = ctx.query['email'];
  if (email === undefined || email === '') return fail(400, 'email is required');
  return { status: 200, body: { results: findProfiles(ctx.state, 'email', email).map((p) => identifiersJson(p.identifiers)) } };
};

/** A checked search filter node: evaluates to whether a person matches. */
type Matcher = (profile: Profile) => boolean;

/**
 * Compile a search filter: one of `and` / `or` (arrays of filters), `not` (a filter), `segment`
 * (`{ id }`) or `attribute` (`{ field, operator: 'eq' | 'exists', value }`), the only operators
 * Customer.io's "Search for customers" takes. A `string` is the problem found.
 */
function compile(node: unknown, state: EmulatorState, path: string): Matcher | string {
  if (!isRecord(node)) return `${path} must be an object`;
  const keys = Object.keys(node);
  if (keys.length !== 1) return `${path} must have exactly one of and, or, not, segment, attribute`;
  const [key] = keys as [string];
  const value = node[key];
  if (key === 'and' || key === 'or') {
    if (!Array.isArray(value) || value.length === 0) return `${path}.${key} must be a non-empty array`;
    const parts: Matcher[] = [];
    for (const [i, child] of (value as unknown[]).entries()) {
      const compiled = compile(child, state, `${path}.${key}[${i}]`);
      if (typeof compiled === 'string') return compiled;
      parts.push(compiled);
    }
    return key === 'and' ? (p) => parts.every((m) => m(p)) : (p) => parts.some((m) => m(p));
  }
  if (key === 'not') {
    const inner = compile(value, state, `${path}.not`);
    return typeof inner === 'string' ? inner : (p) => !inner(p);
  }
  if (key === 'segment') {
    const id = isRecord(value) ? value['id'] : undefined;
    if (typeof id !== 'number' && typeof id !== 'string') return `${path}.segment.id is required`;
    return (p) => state.segments.get(String(id))?.has(p.key) === true;
  }
  if (key === 'attribute') {
    if (!isRecord(value) || typeof value['field'] !== 'string' || value['field'] === '') return `${path}.attribute.field is required`;
    const { field, operator } = value;
    if (operator === 'exists') {
      return (p) => {
        const v = attributesWithIdentifiers(p)[field];
        return v !== undefined && v !== null && v !== '';
      };
    }
    if (operator === 'eq') {
      if (value['value'] === undefined || value['value'] === null) return `${path}.attribute.value is required for eq`;
      const wanted = String(value['value']);
      return (p) => {
        const v = attributesWithIdentifiers(p)[field];
        return (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && String(v) === wanted;
      };
    }
    return `${path}.attribute.operator must be eq or exists`;
  }
  return `${path} must have exactly one of and, or, not, segment, attribute`;
}

/** `POST /v1/customers` `{ filter }` (`?start&limit`, at most 1000): `{ identifiers, ids, next }`. */
const searchCustomers: Handler = (ctx) => {
  const filter = isRecord(ctx.body) ? ctx.body['filter'] : undefined;
  if (filter === undefined || filter === null) return fail(400, 'filter is required');
  const matcher = compile(filter, ctx.state, 'filter');
  if (typeof matcher === 'string') return fail(400, matcher);
  return peoplePage(ctx, profiles(ctx.state).filter(matcher), 1000);
};

/** A person as `GET /v1/customers/:id/attributes` answers: `{ id, identifiers, attributes, timestamps, unsubscribed, devices }`. */
function customerJson(state: EmulatorState, profile: Profile): Record<string, unknown> {
  const attributes = attributesWithIdentifiers(profile);
  const times = state.attributeTimes(profile.key) ?? new Map<string, number>();
  const first = times.size > 0 ? Math.min(...times.values()) : null;
  const timestamps: Record<string, number> = {};
  for (const name of Object.keys(attributes)) {
    const at = times.get(name) ?? (name === 'id' || name === 'email' || name === 'cio_id' ? first : null);
    if (at !== null && at !== undefined) timestamps[name] = at;
  }
  const devices = [...(state.devices.get(profile.key)?.values() ?? [])].map((d) => ({
    id: d.token,
    platform: d.platform,
    last_used: d.lastUsed,
    ...(Object.keys(d.attributes).length > 0 ? { attributes: d.attributes } : {}),
  }));
  return {
    id: profile.identifiers.id,
    identifiers: identifiersJson(profile.identifiers),
    attributes,
    timestamps,
    unsubscribed: attributes['unsubscribed'] === true,
    devices,
  };
}

/** `GET /v1/customers/:id/attributes?id_type=`: `{ customer }`, 404 for an unknown person. */
const getAttributes: Handler = (ctx) => {
  const idType = idTypeOf(ctx);
  if (isReply(idType)) return idType;
  const [profile] = findProfiles(ctx.state, idType, ctx.params['id'] ?? '');
  if (profile === undefined) return fail(404, 'The customer_id does not exist');
  return { status: 200, body: { customer: customerJson(ctx.state, profile) } };
};

/** `POST /v1/customers/attributes?id_type=` `{ ids }` (1 to 100): `{ customers: [{ customer }] }`, unknown ids omitted. */
const getCustomersAttributes: Handler = (ctx) => {
  const idType = idTypeOf(ctx);
  if (isReply(idType)) return idType;
  const ids = isRecord(ctx.body) ? ctx.body['ids'] : undefined;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) return fail(400, 'ids must be an array of 1 to 100 identifiers');
  const customers = (ids as unknown[]).flatMap((id) => {
    const [profile] = typeof id === 'string' || typeof id === 'number' ? findProfiles(ctx.state, idType, String(id)) : [];
    return profile === undefined ? [] : [{ customer: customerJson(ctx.state, profile) }];
  });
  return { status: 200, body: { customers } };
};

/** The members of a segment the emulator knows, or a 404. */
function segmentMembers(ctx: RouteContext): ReadonlySet<string> | Reply {
  const members = ctx.state.segments.get(ctx.params['id'] ?? '');
  return members ?? fail(404, 'The segment does not exist');
}

/** `GET /v1/segments/:id/membership` (`?start&limit`, at most 30000): `{ identifiers, ids, next }`. */
const getSegmentMembership: Handler = (ctx) => {
  const members = segmentMembers(ctx);
  if (isReply(members)) return members;
  return peoplePage(ctx, [...members].map((key) => profileOf(ctx.state, key)), 30_000);
};

/** `GET /v1/segments/:id/customer_count`: `{ count }`. */
const getSegmentCustomerCount: Handler = (ctx) => {
  const members = segmentMembers(ctx);
  if (isReply(members)) return members;
  return { status: 200, body: { count: members.size } };
};

/** The `type` of a delivery as Customer.io's messages report it, by the send that made it. */
const MESSAGE_TYPES: Readonly<Record<string, string>> = {
  sendEmail: 'email',
  sendPush: 'push',
  sendSMS: 'twilio',
  sendWhatsApp: 'whatsapp',
  sendInApp: 'in_app',
  sendInboxMessage: 'inbox',
};

/**
 * `GET /v1/messages/:id`: `{ message }` for a delivery a transactional send made, 404 otherwise. Its
 * `metrics` are the ones reported for it (`trackPush`, `reportMetric`), each at the time first
 * reported; the emulator sends nothing, so there is no `sent` unless reported.
 */
const getMessage: Handler = (ctx) => {
  const id = ctx.params['id'] ?? '';
  const delivery = ctx.state.deliveries.get(id);
  if (delivery === undefined) return fail(404, 'The message does not exist');
  const op = ctx.state.operations.find((o) => o.requestSeq === delivery.requestSeq && o.operation === delivery.operation);
  const sent = isRecord(op?.payload) ? op.payload : {};
  const created = Math.floor((op?.at ?? ctx.now()) / 1000);
  const identifiers = profileOf(ctx.state, delivery.personId).identifiers;
  const type = MESSAGE_TYPES[delivery.operation] ?? 'email';
  const to = typeof sent['to'] === 'string' ? sent['to'] : null;
  return {
    status: 200,
    body: {
      message: {
        id: delivery.id,
        deduplicate_id: `${delivery.id}:${created}`,
        msg_template_id: null,
        action_id: null,
        parent_action_id: null,
        customer_id: identifiers.id,
        customer_identifiers: identifiersJson(identifiers),
        recipient: to ?? (type === 'email' ? identifiers.email : null),
        subject: typeof sent['subject'] === 'string' ? sent['subject'] : null,
        metrics: Object.fromEntries(ctx.state.metricTimes(delivery.id)),
        created,
        failure_message: null,
        newsletter_id: null,
        content_id: null,
        campaign_id: null,
        broadcast_id: null,
        trigger_event_id: null,
        transactional_message_id: delivery.transactionalMessageId,
        type,
        forgotten: false,
      },
    },
  };
};

const ID = '(?<id>[^/]+)';

/** App API reads (`/v1/...`, Bearer auth). */
export const appReadRoutes: readonly Route[] = [
  { method: 'GET', pattern: /^\/v1\/customers$/, api: 'app', operation: 'getCustomersByEmail', handler: getCustomersByEmail },
  { method: 'POST', pattern: /^\/v1\/customers$/, api: 'app', operation: 'searchCustomers', handler: searchCustomers },
  { method: 'POST', pattern: /^\/v1\/customers\/attributes$/, api: 'app', operation: 'getCustomersAttributes', handler: getCustomersAttributes },
  { method: 'GET', pattern: new RegExp(`^/v1/customers/${ID}/attributes$`), api: 'app', operation: 'getAttributes', handler: getAttributes },
  { method: 'GET', pattern: new RegExp(`^/v1/segments/${ID}/membership$`), api: 'app', operation: 'getSegmentMembership', handler: getSegmentMembership },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/segments/${ID}/customer_count$`),
    api: 'app',
    operation: 'getSegmentCustomerCount',
    handler: getSegmentCustomerCount,
  },
  { method: 'GET', pattern: new RegExp(`^/v1/messages/${ID}$`), api: 'app', operation: 'getMessage', handler: getMessage },
];
