import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { isUlid } from '../internal/ulid.js';
import { checkId } from './checkId.js';
import { checkAttributesArg } from './checkOperationFields.js';
import { checkOptionalRecord } from './checkRecord.js';
import { checkRequiredString, checkWellFormed } from './checkString.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';
import { isRecord, jsonProperty, type JsonRecord } from './isRecord.js';
import { jsonText, READ_AGAIN_FAILED } from './jsonText.js';
import { CIO_LIMITS, utf8Bytes } from './limits.js';

/**
 * The `person` actions `entity` takes: Customer.io's Track v2 reference lists these and `merge`,
 * which is left to `mergeCustomers` (a merge must not be repeated; every other action may be).
 */
export const V2_PERSON_ACTIONS: readonly string[] = Object.freeze([
  'identify',
  'delete',
  'event',
  'screen',
  'page',
  'add_relationships',
  'delete_relationships',
  'add_device',
  'delete_device',
  'suppress',
  'unsuppress',
]);

/** The `object` actions (Customer.io's Track v2 reference lists exactly these). */
export const V2_OBJECT_ACTIONS: readonly string[] = Object.freeze(['identify', 'identify_anonymous', 'delete', 'add_relationships', 'delete_relationships']);

/** The person actions that record an event: they carry a `name`, an optional ULID `id` and event `attributes`. */
const EVENT_ACTIONS: ReadonlySet<unknown> = new Set(['event', 'page', 'screen']);

/** The keys that name a person in v2 `identifiers`: exactly one may be given ("You cannot pass multiple identifiers"). */
const PERSON_KEYS = ['id', 'email', 'phone', 'cio_id', 'anonymous_id'] as const;

/** Bytes of `,"id":"<ULID>"`: what the client adds to an event without an id. */
const ADDED_ID_BYTES = 33;
/** Bytes of `,"timestamp":<10 digits>`: what the client adds when it keeps an operation in its queue. */
const ADDED_TIMESTAMP_BYTES = 23;

/** Whether a (checked) v2 operation is a person's event, page or screen view. */
export function isV2Event(op: JsonRecord): boolean {
  return jsonProperty(op, 'type') === 'person' && EVENT_ACTIONS.has(jsonProperty(op, 'action'));
}

/**
 * Whether a (checked) v2 operation takes a `timestamp` saying when it happened: an event, and a
 * person's `identify` (Customer.io: "to control the order of attribute updates").
 */
export function takesV2Timestamp(op: JsonRecord): boolean {
  return isV2Event(op) || (jsonProperty(op, 'type') === 'person' && jsonProperty(op, 'action') === 'identify');
}

/**
 * Checks the argument of `entity`: one Track v2 operation, as Customer.io documents it (and as the
 * emulator checks it).
 *
 * - `type` is `'person'` or `'object'`; `action` one of {@link V2_PERSON_ACTIONS} or
 *   {@link V2_OBJECT_ACTIONS}; `timestamp`, when given, a number (unix seconds).
 * - At most 32 KB serialised, counting the event `id` and the `timestamp` this client may add.
 * - A person is named by `identifiers` holding exactly one of `id`, `email` or `cio_id` (a person id,
 *   at most 150 bytes); an event may name an anonymous visitor by `anonymous_id` (a string) instead.
 *   An event needs a `name` (at most 100 bytes) and may carry a ULID `id` and `attributes` (an
 *   object). `identify` attributes are held to the attribute limits. `add_device` needs `device.token`
 *   and `device.platform`, `delete_device` `device.token`. Relationship actions need a non-empty
 *   `cio_relationships` naming objects (`object_type_id` and `object_id`, or `cio_object_id`).
 * - An object is named by `identifiers` holding `object_type_id` and `object_id`, or `cio_object_id`.
 *   Its `cio_relationships` (required to add or delete relationships, optional to identify) name
 *   people as above (`anonymous_id` for `identify_anonymous`), with optional `relationship_attributes`.
 *
 * Other fields pass through. Expects a value that already passed `checkSerialisable`.
 */
export function checkV2Operation(operation: string, op: unknown, field: string): CioValidationError | null {
  if (!isRecord(op)) return invalid(operation, field, `${field} must be a Track v2 operation object, got ${describeType(op)}`);
  const type = jsonProperty(op, 'type');
  const typePath = childPath(field, 'type');
  if (type !== 'person' && type !== 'object') {
    if (type === undefined || type === null || type === '') return invalid(operation, typePath, `${typePath} is required: 'person' or 'object'`);
    const got = typeof type === 'string' ? 'another string (report delivery metrics with trackPush or reportMetric)' : describeType(type);
    return invalid(operation, typePath, `${typePath} must be 'person' or 'object', got ${got}`);
  }
  const action = jsonProperty(op, 'action');
  const actionPath = childPath(field, 'action');
  const actionProblem = checkRequiredString(operation, action, actionPath);
  if (actionProblem !== null) return actionProblem;
  if (type === 'person' && action === 'merge') {
    return invalid(operation, actionPath, `${actionPath}: a merge goes through mergeCustomers, not entity (a merge must not be repeated, and this client may repeat an entity operation)`);
  }
  const allowed = type === 'person' ? V2_PERSON_ACTIONS : V2_OBJECT_ACTIONS;
  if (!allowed.includes(action as string)) {
    return invalid(operation, actionPath, `${actionPath} must be one of ${allowed.join(', ')} for type ${type}, got another string`);
  }
  const timestamp = jsonProperty(op, 'timestamp');
  if (timestamp !== undefined && (typeof timestamp !== 'number' || !Number.isFinite(timestamp))) {
    const path = childPath(field, 'timestamp');
    return invalid(operation, path, `${path} must be a Unix time in seconds (a number), got ${describeType(timestamp)}`);
  }
  return checkSize(operation, op, field) ?? (type === 'person' ? checkPerson(operation, op, action as string, field) : checkObject(operation, op, action as string, field));
}

/** At most 32 KB serialised, with the `id` and `timestamp` the client may add. */
function checkSize(operation: string, op: JsonRecord, field: string): CioValidationError | null {
  const json = jsonText(op);
  if (json === undefined) return invalid(operation, field, `${field} ${READ_AGAIN_FAILED}`);
  let added = 0;
  if (isV2Event(op) && jsonProperty(op, 'id') === undefined) added += ADDED_ID_BYTES;
  if (takesV2Timestamp(op) && jsonProperty(op, 'timestamp') === undefined) added += ADDED_TIMESTAMP_BYTES;
  const limit = CIO_LIMITS.v2OperationBytes;
  if (json.length * 3 + added <= limit) return null;
  const bytes = utf8Bytes(json) + added;
  if (bytes <= limit) return null;
  const note = added > 0 ? ' (with the id and timestamp this client adds)' : '';
  return invalid(operation, field, `${field} is ${bytes} bytes serialised${note}; Customer.io allows at most ${limit} per v2 operation`);
}

function checkPerson(operation: string, op: JsonRecord, action: string, field: string): CioValidationError | null {
  const event = EVENT_ACTIONS.has(action);
  const ids = checkPersonIdentifiers(operation, jsonProperty(op, 'identifiers'), childPath(field, 'identifiers'), event ? 'allowed' : 'no');
  if (ids !== null) return ids;
  if (event) return checkEventFields(operation, op, field);
  switch (action) {
    case 'identify':
      return checkAttributesArg(operation, jsonProperty(op, 'attributes'), childPath(field, 'attributes'));
    case 'add_device':
    case 'delete_device':
      return checkDevice(operation, jsonProperty(op, 'device'), childPath(field, 'device'), action === 'add_device');
    case 'add_relationships':
    case 'delete_relationships':
      return checkRelatedObjects(operation, jsonProperty(op, 'cio_relationships'), childPath(field, 'cio_relationships'));
    default: // delete, suppress, unsuppress: only the person
      return null;
  }
}

/** An event's `name` (required, at most 100 bytes), ULID `id` and `attributes` (an object). */
function checkEventFields(operation: string, op: JsonRecord, field: string): CioValidationError | null {
  const name = jsonProperty(op, 'name');
  const namePath = childPath(field, 'name');
  const problem = checkRequiredString(operation, name, namePath) ?? checkWellFormed(operation, name as string, namePath);
  if (problem !== null) return problem;
  const bytes = (name as string).length * 3 <= CIO_LIMITS.eventNameBytes ? 0 : utf8Bytes(name as string);
  if (bytes > CIO_LIMITS.eventNameBytes) {
    return invalid(operation, namePath, `event name is ${bytes} bytes; Customer.io allows at most ${CIO_LIMITS.eventNameBytes}`);
  }
  const id = jsonProperty(op, 'id');
  if (id !== undefined && !isUlid(id)) {
    const path = childPath(field, 'id');
    return invalid(operation, path, `${path} must be a ULID (26 characters of Crockford base32, the first 0-7)`);
  }
  return checkOptionalRecord(operation, jsonProperty(op, 'attributes'), childPath(field, 'attributes'));
}

/**
 * A person's v2 `identifiers`: exactly one identifier, one of `id`, `email` or `cio_id` (a person
 * id); with `anonymous: 'allowed'` (events) an `anonymous_id` string instead; with `'required'` (an
 * object's `identify_anonymous` relationships) an `anonymous_id` string only.
 */
function checkPersonIdentifiers(operation: string, ids: unknown, path: string, anonymous: 'no' | 'allowed' | 'required'): CioValidationError | null {
  const expected = anonymous === 'required' ? 'an anonymous_id' : anonymous === 'allowed' ? 'one of id, email, cio_id or anonymous_id' : 'one of id, email or cio_id';
  if (!isRecord(ids)) return invalid(operation, path, `${path} must be an object with ${expected}, got ${describeType(ids)}`);
  if (anonymous === 'required') return checkAnonymousId(operation, jsonProperty(ids, 'anonymous_id'), childPath(path, 'anonymous_id'));
  const present = PERSON_KEYS.filter((k) => {
    const value = jsonProperty(ids, k);
    return value !== undefined && value !== null;
  });
  const [only] = present;
  if (present.length > 1) return invalid(operation, path, `${path} must hold exactly one identifier; found ${present.join(' and ')}`);
  if (only === 'anonymous_id' && anonymous === 'allowed') return checkAnonymousId(operation, jsonProperty(ids, only), childPath(path, only));
  if (only === undefined || only === 'anonymous_id' || only === 'phone') {
    const found = only === undefined ? 'none' : only;
    return invalid(operation, path, `${path} must hold ${expected}; found ${found}`);
  }
  return checkId(operation, jsonProperty(ids, only), childPath(path, only));
}

/** An anonymous id in v2 `identifiers`: a string (v2 types it so), a valid person id. */
function checkAnonymousId(operation: string, value: unknown, path: string): CioValidationError | null {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    return invalid(operation, path, `${path} must be a string, got ${describeType(value)}`);
  }
  return checkId(operation, value, path);
}

/** A v2 `device`: a `token` always; to add, a `platform`, and optional `last_used` (a number) and `attributes`. */
function checkDevice(operation: string, device: unknown, path: string, adding: boolean): CioValidationError | null {
  if (!isRecord(device)) return invalid(operation, path, `${path} must be an object with a token, got ${describeType(device)}`);
  const problem = checkRequiredString(operation, jsonProperty(device, 'token'), childPath(path, 'token'));
  if (problem !== null || !adding) return problem;
  const lastUsed = jsonProperty(device, 'last_used');
  if (lastUsed !== undefined && lastUsed !== null && (typeof lastUsed !== 'number' || !Number.isFinite(lastUsed))) {
    const lastPath = childPath(path, 'last_used');
    return invalid(operation, lastPath, `${lastPath} must be a Unix time in seconds (a number), got ${describeType(lastUsed)}`);
  }
  return (
    checkRequiredString(operation, jsonProperty(device, 'platform'), childPath(path, 'platform')) ??
    checkAttributesArg(operation, jsonProperty(device, 'attributes'), childPath(path, 'attributes'))
  );
}

/** A non-empty `cio_relationships` array; `each` checks one item (a record) at its path. */
function checkRelationships(
  operation: string,
  relationships: unknown,
  path: string,
  each: (item: JsonRecord, itemPath: string) => CioValidationError | null,
): CioValidationError | null {
  if (!Array.isArray(relationships) || relationships.length === 0) {
    const got = Array.isArray(relationships) ? 'an empty array' : describeType(relationships);
    return invalid(operation, path, `${path} must be a non-empty array of relationships, got ${got}`);
  }
  for (let i = 0; i < relationships.length; i++) {
    const item: unknown = relationships[i];
    const itemPath = childPath(path, i);
    if (!isRecord(item)) return invalid(operation, itemPath, `${itemPath} must be an object with identifiers, got ${describeType(item)}`);
    const problem =
      each(item, itemPath) ??
      checkAttributesArg(operation, jsonProperty(item, 'relationship_attributes'), childPath(itemPath, 'relationship_attributes'));
    if (problem !== null) return problem;
  }
  return null;
}

const isName = (v: unknown): boolean => typeof v === 'string' && v !== '';
const isObjectKey = (v: unknown): boolean => isName(v) || (typeof v === 'number' && Number.isFinite(v));

/** A person's relationships: objects, each named by `object_type_id` and `object_id`, or `cio_object_id` (strings). */
function checkRelatedObjects(operation: string, relationships: unknown, path: string): CioValidationError | null {
  return checkRelationships(operation, relationships, path, (item, itemPath) => {
    const ids = jsonProperty(item, 'identifiers');
    const named = isRecord(ids) && ((isName(jsonProperty(ids, 'object_type_id')) && isName(jsonProperty(ids, 'object_id'))) || isName(jsonProperty(ids, 'cio_object_id')));
    if (named) return null;
    const idsPath = childPath(itemPath, 'identifiers');
    return invalid(operation, idsPath, `${idsPath} must hold object_type_id and object_id, or cio_object_id (strings)`);
  });
}

function checkObject(operation: string, op: JsonRecord, action: string, field: string): CioValidationError | null {
  const problem = checkObjectIdentifiers(operation, jsonProperty(op, 'identifiers'), childPath(field, 'identifiers'));
  if (problem !== null || action === 'delete') return problem;
  const relationships = jsonProperty(op, 'cio_relationships');
  const relPath = childPath(field, 'cio_relationships');
  const anonymous = action === 'identify_anonymous' ? 'required' : 'no';
  const people = (): CioValidationError | null =>
    checkRelationships(operation, relationships, relPath, (item, itemPath) =>
      checkPersonIdentifiers(operation, jsonProperty(item, 'identifiers'), childPath(itemPath, 'identifiers'), anonymous),
    );
  if (action === 'add_relationships' || action === 'delete_relationships') return people();
  // identify, identify_anonymous: attributes, and relationships when given.
  return checkAttributesArg(operation, jsonProperty(op, 'attributes'), childPath(field, 'attributes')) ?? (relationships === undefined ? null : people());
}

/** An object's `identifiers`: `object_type_id` and `object_id` (strings or numbers), or `cio_object_id`. */
function checkObjectIdentifiers(operation: string, ids: unknown, path: string): CioValidationError | null {
  if (isRecord(ids) && (jsonProperty(ids, 'object_type_id') !== undefined || jsonProperty(ids, 'object_id') !== undefined)) {
    for (const key of ['object_type_id', 'object_id'] as const) {
      if (isObjectKey(jsonProperty(ids, key))) continue;
      const keyPath = childPath(path, key);
      return invalid(operation, keyPath, `${keyPath} is required: a string or a number, not empty`);
    }
    return null;
  }
  if (isRecord(ids) && isObjectKey(jsonProperty(ids, 'cio_object_id'))) return null;
  return invalid(operation, path, `${path} must hold object_type_id and object_id, or cio_object_id`);
}
