import { CIO_LIMITS } from '../../validation/limits.js';
import { fail } from '../http.js';
import { personKey } from '../identity.js';
import type { DeliveredEventKind } from '../types.js';
import { checkAttributes, checkEvent, checkPersonId, describe, isRecord, valueBytes } from '../validate.js';
import type { Problem } from '../validate.js';
import type { Handler, Route, RouteContext } from './context.js';

/**
 * v2 `person` actions (Customer.io's Track v2 reference lists exactly these) and the SDK-style
 * operation name each one is recorded under: the name its v1 route records, so a call delivered
 * alone and the same call in a batch leave the same record. A screen view is recorded as `track`
 * (v1 sends it as `track` with `type: "screen"`); an anonymous event as `trackAnonymous`.
 */
const PERSON_ACTIONS: Readonly<Record<string, string>> = {
  identify: 'identify',
  event: 'track',
  page: 'trackPageView',
  screen: 'track',
  delete: 'destroy',
  suppress: 'suppress',
  unsuppress: 'unsuppress',
  add_device: 'addDevice',
  delete_device: 'deleteDevice',
  merge: 'mergeCustomers',
  add_relationships: 'addRelationships',
  delete_relationships: 'deleteRelationships',
};

/** The v2 entity types Customer.io takes (`person`, `object`, and `delivery` for metrics). */
const ENTITY_TYPES: ReadonlySet<string> = new Set(['person', 'object', 'delivery']);

/** Keys that name a person in v2 `identifiers`: exactly one may be given ("You cannot pass multiple identifiers"). */
const IDENTIFIER_KEYS = ['id', 'email', 'phone', 'cio_id', 'anonymous_id'] as const;

const EVENT_KINDS: Readonly<Record<string, DeliveredEventKind>> = { event: 'event', page: 'page', screen: 'screen' };

/** One item's outcome: applied, or the problems that rejected it. */
type ItemPlan = { readonly problems: readonly Problem[]; readonly apply?: () => void };

const problem = (field: string, reason: string, message: string): Problem => ({ field, reason, message });
const rejected = (...problems: Problem[]): ItemPlan => ({ problems });

/** Token of a v2 device (`token`: v2 does not take v1's `id`). */
function deviceToken(device: Record<string, unknown>): string | null {
  const token = device['token'];
  return typeof token === 'string' && token !== '' ? token : null;
}

/** A problem when `ids` (a v2 `identifiers`, or a merge's `primary` / `secondary`) names more than one identifier. */
function multipleIdentifiers(ids: unknown, field: string): Problem[] {
  if (!isRecord(ids)) return [];
  const given = IDENTIFIER_KEYS.filter((k) => ids[k] !== undefined && ids[k] !== null);
  return given.length > 1 ? [problem(field, 'invalid', `${field} must hold exactly one identifier, got ${given.join(', ')}`)] : [];
}

/** Problems of a v2 `add_device` / `delete_device` `device`: a token always, a platform to add. */
function checkDevice(device: unknown, adding: boolean): Problem[] {
  if (!isRecord(device)) return [problem('device', 'required', 'device is required')];
  const problems: Problem[] = [];
  if (deviceToken(device) === null) problems.push(problem('device.token', 'required', 'device.token is required'));
  if (adding) {
    const platform = device['platform'];
    if (typeof platform !== 'string' || platform === '') problems.push(problem('device.platform', 'required', 'device.platform is required'));
    problems.push(...checkAttributes(device['attributes'], 'device.attributes'));
  }
  return problems;
}

/** Problems of a `cio_relationships` array: each item names an object (`object_type_id` + `object_id`, or `cio_object_id`). */
function checkRelationships(relationships: unknown): Problem[] {
  if (!Array.isArray(relationships) || relationships.length === 0) {
    return [problem('cio_relationships', 'required', 'cio_relationships must be a non-empty array')];
  }
  const problems: Problem[] = [];
  const text = (v: unknown): boolean => typeof v === 'string' && v !== '';
  relationships.forEach((rel: unknown, i) => {
    const ids = isRecord(rel) ? rel['identifiers'] : undefined;
    const named = isRecord(ids) && ((text(ids['object_type_id']) && text(ids['object_id'])) || text(ids['cio_object_id']));
    if (!named) {
      problems.push(problem(`cio_relationships.${i}.identifiers`, 'required', 'a relationship needs object_type_id and object_id, or cio_object_id'));
    }
  });
  return problems;
}

/** v2 `object` actions (Customer.io's Track v2 reference lists exactly these). */
const OBJECT_ACTIONS: ReadonlySet<string> = new Set(['identify', 'identify_anonymous', 'delete', 'add_relationships', 'delete_relationships']);

const isText = (v: unknown): boolean => (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v));

/** An object named by type and id; `null` for one named only by `cio_object_id` (the emulator assigns none). */
type ObjectRef = { readonly typeId: string; readonly objectId: string } | null;

/** The object an `object` operation's `identifiers` names: `object_type_id` and `object_id`, or `cio_object_id`. */
function objectRef(ids: unknown): { ref: ObjectRef; problems: Problem[] } {
  if (isRecord(ids) && (ids['object_type_id'] !== undefined || ids['object_id'] !== undefined)) {
    const problems: Problem[] = [];
    for (const key of ['object_type_id', 'object_id'] as const) {
      if (!isText(ids[key])) problems.push(problem(`identifiers.${key}`, 'required', `identifiers.${key} is required`));
    }
    const ref = problems.length === 0 ? { typeId: String(ids['object_type_id']), objectId: String(ids['object_id']) } : null;
    return { ref, problems };
  }
  if (isRecord(ids) && isText(ids['cio_object_id'])) return { ref: null, problems: [] };
  return { ref: null, problems: [problem('identifiers', 'required', 'identifiers must hold object_type_id and object_id, or cio_object_id')] };
}

/** A person an object relates to, with the relationship's attributes. */
type Related = { readonly person: string; readonly attributes: Record<string, unknown> };

/**
 * An `object` operation's `cio_relationships`: people, each named by `identifiers` with one of `id`,
 * `email` or `cio_id` (or, for `identify_anonymous`, an `anonymous_id`, not kept), with optional
 * `relationship_attributes`.
 */
function checkRelatedPeople(relationships: unknown, anonymous: boolean): { people: Related[]; problems: Problem[] } {
  if (!Array.isArray(relationships) || relationships.length === 0) {
    return { people: [], problems: [problem('cio_relationships', 'required', 'cio_relationships must be a non-empty array')] };
  }
  const people: Related[] = [];
  const problems: Problem[] = [];
  relationships.forEach((rel: unknown, i) => {
    const field = `cio_relationships.${i}`;
    const ids = isRecord(rel) ? rel['identifiers'] : undefined;
    const attrs = isRecord(rel) ? rel['relationship_attributes'] : undefined;
    problems.push(...checkAttributes(attrs, `${field}.relationship_attributes`));
    if (anonymous) {
      const anon = isRecord(ids) ? ids['anonymous_id'] : undefined;
      problems.push(...checkPersonId(typeof anon === 'string' ? anon : undefined, `${field}.identifiers.anonymous_id`));
      return;
    }
    const several = multipleIdentifiers(ids, `${field}.identifiers`);
    const who = several.length > 0 ? { key: null, problems: several } : personKey(ids, `${field}.identifiers`);
    problems.push(...who.problems);
    if (who.key !== null) people.push({ person: who.key, attributes: isRecord(attrs) ? attrs : {} });
  });
  return { people, problems };
}

/** Validate a v2 `object` item; applied, it changes `objects` (unless named only by `cio_object_id`). */
function planObject(ctx: RouteContext, item: Record<string, unknown>, action: string, record: (operation: string) => void): ItemPlan {
  if (!OBJECT_ACTIONS.has(action)) return rejected(problem('action', 'invalid', `unknown action "${action}" for type object`));
  const { ref, problems } = objectRef(item['identifiers']);
  let related: Related[] = [];
  if (action === 'identify' || action === 'identify_anonymous') {
    problems.push(...checkAttributes(item['attributes'], 'attributes'));
    if (item['cio_relationships'] !== undefined) {
      const checked = checkRelatedPeople(item['cio_relationships'], action === 'identify_anonymous');
      problems.push(...checked.problems);
      related = checked.people;
    }
  } else if (action !== 'delete') {
    const checked = checkRelatedPeople(item['cio_relationships'], false);
    problems.push(...checked.problems);
    related = checked.people;
  }
  if (problems.length > 0) return { problems };
  return {
    problems: [],
    apply: () => {
      const state = ctx.state;
      if (ref !== null) {
        const { typeId, objectId } = ref;
        if (action === 'delete') state.deleteObject(typeId, objectId);
        else if (action === 'identify' || action === 'identify_anonymous') {
          state.identifyObject(typeId, objectId, isRecord(item['attributes']) ? item['attributes'] : {});
        }
        for (const { person, attributes } of related) {
          if (action === 'delete_relationships') state.unrelate(typeId, objectId, person);
          else state.relate(typeId, objectId, person, attributes);
        }
      }
      record(`object:${action}`);
    },
  };
}

/** Validate one v2 item and return how to apply it. Records nothing. */
function plan(ctx: RouteContext, item: unknown, batchIndex: number | null): ItemPlan {
  if (!isRecord(item)) return rejected(problem('', 'invalid', 'operation must be a JSON object'));
  const size = valueBytes(item);
  if (size > CIO_LIMITS.v2OperationBytes) {
    return rejected(problem('', 'too_large', `operation is ${size} bytes, the limit is ${CIO_LIMITS.v2OperationBytes}`));
  }
  const { type, action } = item;
  const head: Problem[] = [];
  if (typeof type !== 'string' || type === '') head.push(problem('type', 'required', 'type is required'));
  if (typeof action !== 'string' || action === '') head.push(problem('action', 'required', 'action is required'));
  if (item['timestamp'] !== undefined && typeof item['timestamp'] !== 'number') {
    head.push(problem('timestamp', 'invalid', 'timestamp must be a number (unix seconds)'));
  }
  if (head.length > 0 || typeof type !== 'string' || typeof action !== 'string') return { problems: head };
  const timestamp = typeof item['timestamp'] === 'number' ? item['timestamp'] : null;
  const record = (operation: string, personId: string | null, duplicate = false): void => {
    ctx.state.addOperation({ requestSeq: ctx.requestSeq, source: 'v2', operation, action, batchIndex, personId, duplicate, payload: item });
  };

  if (!ENTITY_TYPES.has(type)) return rejected(problem('type', 'invalid', `unknown type "${type}"`));
  if (type === 'object') return planObject(ctx, item, action, (operation) => record(operation, null));
  if (type !== 'person') {
    // Deliveries: accepted as opaque operations (limits above still enforced).
    return { problems: [], apply: () => record(`${type}:${action}`, null) };
  }
  const operationName = PERSON_ACTIONS[action];
  if (operationName === undefined) return rejected(problem('action', 'invalid', `unknown action "${action}" for type person`));

  if (action === 'merge') {
    // As POST /api/v1/merge_customers: `primary` and `secondary`, one identifier each.
    const sides = [...multipleIdentifiers(item['primary'], 'primary'), ...multipleIdentifiers(item['secondary'], 'secondary')];
    if (sides.length > 0) return { problems: sides };
    const primary = personKey(item['primary'], 'primary');
    const secondary = personKey(item['secondary'], 'secondary');
    if (primary.key === null || secondary.key === null) return { problems: [...primary.problems, ...secondary.problems] };
    const [p, s] = [primary.key, secondary.key];
    return { problems: [], apply: () => (ctx.state.merge(p, s), record(operationName, p)) };
  }

  const kind = EVENT_KINDS[action];
  const ids = item['identifiers'];
  const several = multipleIdentifiers(ids, 'identifiers');
  if (several.length > 0) return { problems: several };
  // An anonymous event names its visitor as `identifiers: { anonymous_id }` (as Customer.io's own
  // Segment destination sends it); only events take it. A top-level `anonymous_id` is no v2 field.
  const anon = kind !== undefined && isRecord(ids) ? ids['anonymous_id'] : undefined;
  const anonymous = anon !== undefined && anon !== null;
  const anonymousId = typeof anon === 'string' ? anon : null;
  const who = !anonymous
    ? personKey(ids, 'identifiers')
    : anonymousId !== null // checked as v1 checks an anonymous_id
      ? { key: null, problems: checkPersonId(anonymousId, 'identifiers.anonymous_id') }
      : { key: null, problems: [problem('identifiers.anonymous_id', 'invalid', 'identifiers.anonymous_id must be a string')] };
  const problems: Problem[] = [...who.problems];
  const person = who.key;

  if (kind !== undefined) {
    problems.push(...checkEvent({ name: item['name'], id: item['id'], data: item['attributes'], dataField: 'attributes' }));
    if (problems.length > 0) return { problems };
    const id = typeof item['id'] === 'string' ? item['id'] : null;
    return {
      problems: [],
      apply: () => {
        const delivered = ctx.state.deliverEvent({
          requestSeq: ctx.requestSeq,
          source: 'v2',
          kind,
          name: String(item['name']),
          personId: person,
          anonymousId,
          id,
          data: isRecord(item['attributes']) ? item['attributes'] : {},
          timestamp,
        });
        record(person === null ? 'trackAnonymous' : operationName, person, !delivered);
      },
    };
  }

  if (person === null) return { problems };
  const device = item['device'];
  if (action === 'identify') {
    problems.push(...checkAttributes(item['attributes'], 'attributes'));
  } else if (action === 'add_device' || action === 'delete_device') {
    problems.push(...checkDevice(device, action === 'add_device'));
  } else if (action === 'add_relationships' || action === 'delete_relationships') {
    // Applied to `objects` (an object named only by cio_object_id is left alone: the emulator assigns none).
    problems.push(...checkRelationships(item['cio_relationships']));
  }
  if (problems.length > 0) return { problems };

  return {
    problems: [],
    apply: () => {
      const state = ctx.state;
      if (action === 'identify') state.identify(person, isRecord(item['attributes']) ? item['attributes'] : {}, timestamp);
      else if (action === 'delete') state.destroy(person);
      else if (action === 'suppress') state.suppress(person);
      else if (action === 'unsuppress') state.unsuppress(person);
      else if (action === 'add_relationships' || action === 'delete_relationships') {
        for (const rel of item['cio_relationships'] as unknown[]) {
          const ids = isRecord(rel) ? rel['identifiers'] : undefined;
          if (!isRecord(ids) || !isText(ids['object_type_id']) || !isText(ids['object_id'])) continue;
          const [typeId, objectId] = [String(ids['object_type_id']), String(ids['object_id'])];
          if (action === 'delete_relationships') state.unrelate(typeId, objectId, person);
          else state.relate(typeId, objectId, person, isRecord(rel) && isRecord(rel['relationship_attributes']) ? rel['relationship_attributes'] : {});
        }
      }
      else if ((action === 'add_device' || action === 'delete_device') && isRecord(device)) {
        // As PUT /api/v1/customers/:id/devices and DELETE .../devices/:token record them.
        const token = deviceToken(device) ?? '';
        if (action === 'delete_device') state.deleteDevice(person, token);
        else {
          state.addDevice(person, {
            token,
            platform: typeof device['platform'] === 'string' ? device['platform'] : null,
            lastUsed: typeof device['last_used'] === 'number' ? device['last_used'] : null,
            attributes: isRecord(device['attributes']) ? device['attributes'] : {},
          });
        }
      }
      record(operationName, person);
    },
  };
}

/** `POST /api/v2/batch`: 400 for a bad or oversized body, 207 listing failed items (good ones applied), else 200. */
const batch: Handler = (ctx) => {
  if (ctx.bodyBytes > CIO_LIMITS.v2BatchBytes) {
    return fail(400, `batch is ${ctx.bodyBytes} bytes, the limit is ${CIO_LIMITS.v2BatchBytes}`);
  }
  const items = isRecord(ctx.body) ? ctx.body['batch'] : undefined;
  if (!Array.isArray(items)) return fail(400, 'batch must be an array of operations');
  const errors: { batch_index: number; reason: string; field: string; message: string }[] = [];
  items.forEach((item: unknown, index) => {
    const planned = plan(ctx, item, index);
    if (planned.problems.length > 0) {
      for (const p of planned.problems) errors.push({ batch_index: index, reason: p.reason, field: p.field, message: p.message });
    } else {
      planned.apply?.();
    }
  });
  return errors.length > 0 ? { status: 207, body: { errors } } : { status: 200 };
};

/** `POST /api/v2/entity`: one operation; 400 with `meta.error` when invalid. */
const entity: Handler = (ctx) => {
  const planned = plan(ctx, ctx.body, null);
  if (planned.problems.length > 0) return fail(400, describe(planned.problems));
  planned.apply?.();
  return { status: 200 };
};

/** Track API v2 routes. */
export const trackV2Routes: readonly Route[] = [
  { method: 'POST', pattern: /^\/api\/v2\/batch$/, api: 'track', operation: 'batch', handler: batch },
  { method: 'POST', pattern: /^\/api\/v2\/entity$/, api: 'track', operation: 'entity', handler: entity },
];
