/**
 * The Track v2 batch form of each v1 call: the operation that `POST /api/v2/batch` (`{"batch":[...]}`)
 * takes in place of the call's own v1 request, with the same effect.
 *
 * What Customer.io documents (Track API reference, "Track v2" and its OpenAPI document,
 * https://docs.customer.io/integrations/api/track/ and https://docs.customer.io/files/journeys-track.json):
 *
 * - `type: "person"` operations take an `action` of `identify`, `delete`, `event`, `screen`, `page`,
 *   `add_relationships`, `delete_relationships`, `add_device`, `delete_device`, `merge`, `suppress`
 *   or `unsuppress`. Every one but `merge` names its person in `identifiers`: exactly one of `id`,
 *   `email`, `phone` (when enabled in the workspace) or `cio_id`, all strings ("You cannot pass
 *   multiple identifiers").
 * - `identify`: `attributes` (object) and an optional `timestamp` (unix seconds) "when the attribute
 *   update occurred ... to control the order of attribute updates"; `cio_relationships` sits beside
 *   `attributes`, not inside it.
 * - `event`, `page`, `screen`: `name` required; optional `id` (a ULID that de-duplicates the event),
 *   `timestamp` (unix seconds) and `attributes` (the event data, v1's `data`).
 * - `add_device`: `device: { token, platform, last_used?, attributes? }`, `token` and `platform`
 *   required (v1 calls the token `id`). `delete_device`: `device: { token }`.
 * - `merge`: `primary` and `secondary`, each one of `{ id }`, `{ email }` or `{ cio_id }`, no
 *   `identifiers`.
 * - Limits: 32 KB per operation, 500 KB per batch request. A batch with invalid operations is
 *   answered 207 with `errors: [{ batch_index, reason, field, message }]`; the others are applied.
 *
 * Anonymous events: the person schema documents no anonymous identifier, but Customer.io's own
 * Segment destination ("Customer.io (Actions)", which batches through `/api/v2/batch`) sends an
 * anonymous event as `identifiers: { anonymous_id }`, so that is the form used here. An event with
 * no anonymous id at all (an invite event, v1 `POST /api/v1/events` without `anonymous_id`) has no
 * v2 form: v2 requires `identifiers`.
 *
 * Rules kept from the first batching (identify, track, page views, destroy, suppress, unsuppress):
 * - The person of a v1 call is its path id: `cio_<x>` becomes `{ cio_id: x }`, a number becomes a
 *   string `{ id }`, and an id with `@` has no form (a v1 path segment with `@` may be an id or an
 *   email depending on the workspace's settings, which only the v1 route resolves).
 * - Identify carries a `timestamp` only for a call made earlier (`madeAt` given), so a late replay
 *   cannot overwrite newer attributes; a live identify is written at arrival, as on its v1 route.
 * - Events keep their ULID `id` (a replay after a crash cannot duplicate them) and their own
 *   `timestamp`, else the time they were made (`madeAt`, or now) in seconds.
 *
 * A form is `undefined` whenever the call must go on its own route: arguments the SDK would refuse
 * (its MissingParamError), fields v2 has no place for, values v2 types differently from v1 (so the
 * call gets the answer its v1 route gives). Pure functions: no I/O, no clock unless `madeAt` is absent.
 */

import type { TrackOperationName } from './types.js';

type Obj = Record<string, unknown>;

/** The v2 batch operation of a v1 call's arguments, or `undefined` when it must go on its own route. */
export type BatchForm = (args: readonly unknown[], madeAt: number | undefined) => Obj | undefined;

/**
 * The v1 calls that have a Track v2 form (`entity` takes a v2 operation already: it is its own form,
 * see `entity.ts`; metrics, segments, forms and unsubscribes have v1 routes only).
 */
export type BatchedOperation = Extract<
  TrackOperationName,
  'identify' | 'track' | 'trackAnonymous' | 'trackPageView' | 'destroy' | 'suppress' | 'unsuppress' | 'addDevice' | 'deleteDevice' | 'mergeCustomers'
>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Customer.io v2 wants seconds since the epoch. */
const seconds = (ms: number): number => Math.floor(ms / 1000);

/** A string the SDK accepts as a required parameter (its `isEmpty`: not blank). */
const filled = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** The v2 `identifiers` of a v1 path id, or `undefined` when the id has no unambiguous v2 form. */
function identifiers(customerId: unknown): Obj | undefined {
  if (typeof customerId === 'number') return Number.isFinite(customerId) ? { id: String(customerId) } : undefined;
  if (!filled(customerId)) return undefined;
  // A v1 path segment may be an id, an email or `cio_<id>`; the v2 body must say which. An email
  // (or anything with '@') is left to the v1 route, which resolves it by the workspace's settings.
  if (customerId.includes('@')) return undefined;
  if (customerId.startsWith('cio_')) return customerId.length > 4 ? { cio_id: customerId.slice(4) } : undefined;
  return { id: customerId };
}

/** The base of a person operation, or `undefined` when the id has no v2 form. */
function person(customerId: unknown, action: string): Obj | undefined {
  const ids = identifiers(customerId);
  return ids ? { type: 'person', identifiers: ids, action } : undefined;
}

/** The v2 action of a v1 event `type` (absent is a plain event), or `undefined` for another type. */
function eventAction(type: unknown): string | undefined {
  if (type === undefined || type === 'event') return 'event';
  return type === 'page' || type === 'screen' ? type : undefined;
}

/**
 * The event fields of a v1 event payload (`{ name, data?, id?, timestamp?, type? }`), or `undefined`
 * when it has fields v2 has no place for, or values its v1 route would judge differently.
 */
function eventFields(payload: unknown, madeAt: number | undefined): Obj | undefined {
  if (!isObj(payload) || !filled(payload['name'])) return undefined;
  const { name, data, id, timestamp, type, ...rest } = payload;
  const action = eventAction(type);
  if (action === undefined || Object.keys(rest).length > 0) return undefined;
  if (id !== undefined && typeof id !== 'string') return undefined;
  if (timestamp !== undefined && (typeof timestamp !== 'number' || !Number.isFinite(timestamp))) return undefined;
  if (data !== undefined && data !== null && !isObj(data)) return undefined;
  return {
    action,
    name,
    ...(id === undefined ? {} : { id }),
    timestamp: timestamp ?? seconds(madeAt ?? Date.now()),
    attributes: isObj(data) ? data : {},
  };
}

/** `identify(customerId, data)` → `identify`, attributes as given, `cio_relationships` beside them. */
const identify: BatchForm = ([customerId, data], madeAt) => {
  const base = person(customerId, 'identify');
  if (!base || (data !== undefined && !isObj(data))) return undefined;
  // v1 takes `cio_relationships` in the body as an instruction, not an attribute; v2 beside `attributes`.
  const { cio_relationships: relationships, ...attributes } = data ?? {};
  return {
    ...base,
    attributes,
    ...(relationships === undefined ? {} : { cio_relationships: relationships }),
    ...(madeAt === undefined ? {} : { timestamp: seconds(madeAt) }),
  };
};

/** `track(customerId, { name, data?, id?, timestamp?, type? })` → `event` (or `page` / `screen` by `type`). */
const track: BatchForm = ([customerId, payload], madeAt) => {
  const base = person(customerId, 'event');
  const fields = eventFields(payload, madeAt);
  return base && fields ? { ...base, ...fields } : undefined;
};

/**
 * `trackAnonymous(anonymousId, { name, data?, id?, timestamp?, type? })` → an event of
 * `identifiers: { anonymous_id }`. No form without an anonymous id (an invite event) or with a
 * non-string one (v1 sends it as a JSON number, v2 types it as a string).
 */
const trackAnonymous: BatchForm = ([anonymousId, payload], madeAt) => {
  if (!filled(anonymousId)) return undefined;
  const fields = eventFields(payload, madeAt);
  return fields ? { type: 'person', identifiers: { anonymous_id: anonymousId }, ...fields } : undefined;
};

/**
 * `trackPageView(customerId, path, [eventId], [timestamp])` → `page` named by the path. The id and
 * time ride as extra arguments (the SDK's trackPageView cannot carry them); an empty id is left out,
 * as the v1 request leaves it out.
 */
const trackPageView: BatchForm = ([customerId, path, eventId, timestamp], madeAt) => {
  const base = person(customerId, 'page');
  if (!base || !filled(path)) return undefined;
  if (eventId !== undefined && eventId !== null && eventId !== '' && typeof eventId !== 'string') return undefined;
  if (timestamp !== undefined && (typeof timestamp !== 'number' || !Number.isFinite(timestamp))) return undefined;
  return {
    ...base,
    name: path,
    ...(typeof eventId === 'string' && eventId !== '' ? { id: eventId } : {}),
    timestamp: timestamp ?? seconds(madeAt ?? Date.now()),
  };
};

/** An operation that only names its person: `destroy` → `delete`, `suppress`, `unsuppress`. */
const personOnly =
  (action: string): BatchForm =>
  ([customerId]) =>
    person(customerId, action);

/**
 * `addDevice(customerId, deviceId, platform, data)` → `add_device` with `device: { token, platform,
 * last_used?, attributes? }`: as the SDK builds the v1 body, `last_used` is taken out of `data` and
 * the rest are the device's attributes.
 */
const addDevice: BatchForm = ([customerId, deviceId, platform, data]) => {
  const base = person(customerId, 'add_device');
  if (!base || !filled(deviceId) || !filled(platform)) return undefined;
  if (data !== undefined && data !== null && !isObj(data)) return undefined;
  const { last_used: lastUsed, ...attributes } = data ?? {};
  // v1 keeps a last_used that is not a number without complaint; v2 types it as an integer.
  if (lastUsed !== undefined && lastUsed !== null && (typeof lastUsed !== 'number' || !Number.isFinite(lastUsed))) return undefined;
  return {
    ...base,
    device: {
      token: deviceId,
      platform,
      ...(typeof lastUsed === 'number' ? { last_used: lastUsed } : {}),
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    },
  };
};

/** `deleteDevice(customerId, token)` → `delete_device` with `device: { token }`. */
const deleteDevice: BatchForm = ([customerId, token]) => {
  const base = person(customerId, 'delete_device');
  if (!base) return undefined;
  if (typeof token === 'number' && Number.isFinite(token)) return { ...base, device: { token: String(token) } };
  return filled(token) ? { ...base, device: { token } } : undefined;
};

const ID_TYPES: ReadonlySet<unknown> = new Set(['id', 'email', 'cio_id']);

/** One side of a merge, `{ [type]: id }` with the id as a string, or `undefined` when the SDK would refuse it. */
function mergeSide(type: unknown, id: unknown): Obj | undefined {
  if (!ID_TYPES.has(type)) return undefined;
  if (typeof id === 'number') return Number.isFinite(id) ? { [type as string]: String(id) } : undefined;
  return filled(id) ? { [type as string]: id } : undefined;
}

/**
 * `mergeCustomers(primaryType, primaryId, secondaryType, secondaryId)` → `merge` with `primary` and
 * `secondary`. The identifier types are explicit here, so an email is as good as an id.
 */
const mergeCustomers: BatchForm = ([primaryType, primaryId, secondaryType, secondaryId]) => {
  const primary = mergeSide(primaryType, primaryId);
  const secondary = mergeSide(secondaryType, secondaryId);
  return primary && secondary ? { type: 'person', action: 'merge', primary, secondary } : undefined;
};

/** The v2 batch form of every operation that Track v2 accepts, keyed by operation name. */
export const BATCH_FORMS: Readonly<Record<BatchedOperation, BatchForm>> = Object.freeze({
  identify,
  track,
  trackAnonymous,
  trackPageView,
  destroy: personOnly('delete'),
  suppress: personOnly('suppress'),
  unsuppress: personOnly('unsuppress'),
  addDevice,
  deleteDevice,
  mergeCustomers,
});

/** The v2 batch operation of a call, or `undefined` when the operation has no form or this call must go alone. */
export function batchFormOf(operation: string, args: readonly unknown[], madeAt: number | undefined): Obj | undefined {
  return Object.hasOwn(BATCH_FORMS, operation) ? BATCH_FORMS[operation as BatchedOperation](args, madeAt) : undefined;
}
