/**
 * The operations table: for each Customer.io operation the client offers, its parameters and
 * validation, SDK route, v2 batch form, event id, person key, repeatability and stored form. Adding
 * an operation is adding its name to `types.ts` (with its signature) and its entry here: the
 * compiler then checks the entry against the signature (`params` has one name per argument).
 */
import { checkOptionalBoolean } from '../validation/checkBoolean.js';
import { checkDeliveryMetric, type DeliveryMetricKind } from '../validation/checkDeliveryMetric.js';
import { checkEvent } from '../validation/checkEvent.js';
import { checkFormData } from '../validation/checkForm.js';
import { checkId } from '../validation/checkId.js';
import {
  ALLOW_EMPTY,
  DEVICE_TOKEN,
  NO_BYTE_LIMIT,
  checkAttributesArg,
  checkDeviceId,
  checkIdType,
  checkPageName,
} from '../validation/checkOperationFields.js';
import { checkOptionalRecord } from '../validation/checkRecord.js';
import { checkSegmentIds } from '../validation/checkSegment.js';
import { checkRequiredString } from '../validation/checkString.js';
import { checkTransactional, type TransactionalKind } from '../validation/checkTransactional.js';
import { checkV2Operation } from '../validation/checkV2Operation.js';
import { isRecord } from '../validation/isRecord.js';
import { BATCH_FORMS } from './batchForms.js';
import { entityBatchForm, entityEventId, entityKey, entityWithEventId, storedEntity } from './entity.js';
import type { OperationSpec, OperationTable } from './spec.js';
import { PIPELINES_OPERATIONS } from './pipelines.js';
import { messageOf, recipientOf, requireApp, sendTransactional } from './transactional.js';
import type { TrackClient } from 'customerio-node';
import type { OperationName } from './types.js';

type Obj = Record<string, unknown>;

/** The Track API's delivery metrics. */
type MetricName = 'trackPush' | 'reportMetric';

/** The Track API's manual segment calls. */
type SegmentName = 'addCustomersToSegment' | 'removeCustomersFromSegment';

/** The App API's transactional sends. */
type TransactionalName = 'sendEmail' | 'sendPush' | 'sendSMS' | 'sendWhatsApp' | 'sendInboxMessage' | 'sendInApp';

const person = (args: readonly unknown[]): string => String(args[0] ?? '');
const nobody = (): string => '';
const customerOnly = (op: string, args: readonly unknown[]) => checkId(op, args[0], 'customerId');

/** Arguments as a queue keeps them: no trailing `undefined`. */
function trimmed(args: readonly unknown[]): unknown[] {
  const out = [...args];
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out;
}

/** Unix seconds of `ms`: Customer.io's event timestamps. */
const seconds = (ms: number): number => Math.floor(ms / 1000);

/** A queued event keeps the time the app made it (unix seconds), however late it is replayed. */
function storedEvent(args: readonly unknown[], madeAt: number): unknown[] {
  const out = trimmed(args);
  const data = out[1];
  if (isRecord(data) && typeof data['timestamp'] !== 'number') out[1] = { ...data, timestamp: seconds(madeAt) };
  return out;
}

/** Sets `id` on the event payload at `index` unless the caller gave one; returns a copy. */
function eventWithId(args: readonly unknown[], index: number, id: string): { args: unknown[]; id: string } {
  const copy = [...args];
  const data: Obj = isRecord(copy[index]) ? { ...copy[index] } : {};
  const given = typeof data['id'] === 'string' && data['id'] !== '' ? data['id'] : undefined;
  data['id'] = given ?? id;
  copy[index] = data;
  return { args: copy, id: data['id'] as string };
}

const eventIdOfData = (args: readonly unknown[]): unknown => (isRecord(args[1]) ? args[1]['id'] : undefined);

/** An upsert or delete of one person on the Track API. */
function personUpdate<N extends OperationName>(spec: Pick<OperationSpec<N>, 'params' | 'check' | 'invoke'> & Partial<OperationSpec<N>>): OperationSpec<N> {
  return { api: 'track', repeatable: true, ordered: true, personKey: person, stored: trimmed, ...spec };
}

/**
 * A transactional send on the App API: the SDK's request object or its plain options, stored as its
 * message. Customer.io cannot de-duplicate it, so it is not repeatable: at-most-once by default.
 */
function transactional(kind: TransactionalKind): OperationSpec<TransactionalName> {
  return {
    api: 'app',
    repeatable: false,
    ordered: false,
    params: ['request'],
    check: (op, a) => checkTransactional(op, a[0], kind),
    personKey: (a) => recipientOf(a[0]),
    stored: (a) => [messageOf(a[0])],
    invoke: (sdk, a) => sendTransactional(kind, sdk, a[0]),
  };
}

/**
 * A delivery metric on the Track API (`trackPush`, `reportMetric`): about a delivery, not a person,
 * so it keeps no order. Stored with a `timestamp` of the time the app made the call when it has none.
 */
function deliveryMetric(kind: DeliveryMetricKind, send: (track: TrackClient, data: Obj) => Promise<unknown>): OperationSpec<MetricName> {
  return {
    api: 'track',
    // A metric repeated after an ambiguous failure is at worst counted twice; losing it is worse.
    repeatable: true,
    ordered: false,
    personKey: nobody,
    params: ['data'],
    check: (op, a) => checkDeliveryMetric(op, a[0], kind),
    stored: (a, madeAt) => {
      const data = a[0];
      if (!isRecord(data) || (data['timestamp'] !== undefined && data['timestamp'] !== null)) return [data];
      return [{ ...data, timestamp: seconds(madeAt) }];
    },
    invoke: (sdk, a) => send(sdk.track, a[0] as Obj),
  };
}

/**
 * Adds people to, or removes them from, a manual segment. A repeat ends in the same membership, and
 * the calls of one segment keep their order (key `segment:<id>`): an add and a remove of the same
 * people end as the later one says.
 */
function segmentMembers(send: (track: TrackClient, segmentId: string, ids: Array<string | number>, idType: never) => Promise<unknown>): OperationSpec<SegmentName> {
  return {
    api: 'track',
    repeatable: true,
    ordered: true,
    params: ['segmentId', 'customerIds', 'idType'],
    check: (op, a) =>
      checkId(op, a[0], 'segmentId', NO_BYTE_LIMIT) ??
      checkSegmentIds(op, a[1], 'customerIds') ??
      (a[2] === undefined || a[2] === null ? null : checkIdType(op, a[2], 'idType')),
    personKey: (a) => `segment:${String(a[0])}`,
    stored: trimmed,
    invoke: (sdk, a) => send(sdk.track, a[0] as string, a[1] as Array<string | number>, a[2] as never),
  };
}

/** The person a form submission names: its `id`, else its `email`. */
function formPerson(args: readonly unknown[]): string {
  const data = args[1];
  if (!isRecord(data)) return '';
  const id = data['id'] ?? data['email'];
  return id === undefined || id === null ? '' : String(id);
}

/** Every operation the client offers, keyed by name. */
export const OPERATIONS: OperationTable = {
  identify: personUpdate<'identify'>({
    params: ['customerId', 'data'],
    check: (op, a) => checkId(op, a[0], 'customerId') ?? checkAttributesArg(op, a[1], 'data'),
    batch: BATCH_FORMS.identify,
    invoke: (sdk, a) => sdk.track.identify(a[0] as string, a[1] as Obj | undefined),
  }),
  track: {
    api: 'track', repeatable: true, ordered: false, personKey: person,
    params: ['customerId', 'data'],
    check: (op, a) => checkId(op, a[0], 'customerId') ?? checkEvent(op, a[1], 'data'),
    withEventId: (a, id) => eventWithId(a, 1, id),
    eventIdIn: eventIdOfData,
    batch: BATCH_FORMS.track,
    stored: storedEvent,
    invoke: (sdk, a) => sdk.track.track(a[0] as string, a[1] as Obj),
  },
  trackAnonymous: {
    api: 'track', repeatable: true, ordered: false,
    params: ['anonymousId', 'data'],
    check: (op, a) => checkId(op, a[0], 'anonymousId', ALLOW_EMPTY) ?? checkEvent(op, a[1], 'data'),
    // An anonymous id orders that visitor's events; invite events (no id) have no order to keep.
    personKey: (a) => (a[0] === '' || a[0] === undefined || a[0] === null ? '' : `anon:${String(a[0])}`),
    withEventId: (a, id) => eventWithId(a, 1, id),
    eventIdIn: eventIdOfData,
    batch: BATCH_FORMS.trackAnonymous,
    stored: storedEvent,
    invoke: (sdk, a) => sdk.track.trackAnonymous(a[0] as string, a[1] as Obj),
  },
  trackPageView: {
    api: 'track', repeatable: true, ordered: false, personKey: person,
    params: ['customerId', 'path'],
    check: (op, a) => checkId(op, a[0], 'customerId') ?? checkPageName(op, a[1]),
    // The SDK's trackPageView cannot carry an event id, so the id (and, once queued, the time)
    // ride as extra arguments: [customerId, path, eventId, timestamp].
    withEventId: (a, id) => ({ args: [a[0], a[1], id], id }),
    eventIdIn: (a) => a[2],
    batch: BATCH_FORMS.trackPageView,
    stored: (a, madeAt) => {
      const out = trimmed(a);
      if (out.length === 3) out.push(seconds(madeAt));
      return out;
    },
    // Sent as the same request the SDK makes ({ type: 'page', name: path }) through track(), plus the id.
    invoke: (sdk, a) => {
      if (typeof a[1] !== 'string' || a[1].trim() === '') return sdk.track.trackPageView(a[0] as string, a[1] as string);
      return sdk.track.track(a[0] as string, {
        type: 'page',
        name: a[1],
        ...(a[2] ? { id: a[2] } : {}),
        ...(typeof a[3] === 'number' ? { timestamp: a[3] } : {}),
      });
    },
  },
  destroy: personUpdate<'destroy'>({
    params: ['customerId'],
    check: customerOnly,
    batch: BATCH_FORMS.destroy,
    invoke: (sdk, a) => sdk.track.destroy(a[0] as string),
  }),
  suppress: personUpdate<'suppress'>({
    params: ['customerId'],
    check: customerOnly,
    batch: BATCH_FORMS.suppress,
    invoke: (sdk, a) => sdk.track.suppress(a[0] as string),
  }),
  unsuppress: personUpdate<'unsuppress'>({
    params: ['customerId'],
    check: customerOnly,
    batch: BATCH_FORMS.unsuppress,
    invoke: (sdk, a) => sdk.track.unsuppress(a[0] as string),
  }),
  addDevice: personUpdate<'addDevice'>({
    params: ['customerId', 'deviceId', 'platform', 'data'],
    check: (op, a) =>
      checkId(op, a[0], 'customerId') ??
      checkDeviceId(op, a[1], 'deviceId') ??
      checkRequiredString(op, a[2], 'platform') ??
      checkAttributesArg(op, a[3], 'data'),
    batch: BATCH_FORMS.addDevice,
    invoke: (sdk, a) => sdk.track.addDevice(a[0] as string, a[1] as string, a[2] as string, a[3] as Obj | undefined),
  }),
  deleteDevice: personUpdate<'deleteDevice'>({
    params: ['customerId', 'deviceToken'],
    check: (op, a) => checkId(op, a[0], 'customerId') ?? checkId(op, a[1], 'deviceToken', DEVICE_TOKEN),
    batch: BATCH_FORMS.deleteDevice,
    invoke: (sdk, a) => sdk.track.deleteDevice(a[0] as string, a[1] as string),
  }),
  mergeCustomers: personUpdate<'mergeCustomers'>({
    params: ['primaryIdType', 'primaryId', 'secondaryIdType', 'secondaryId'],
    check: (op, a) =>
      checkIdType(op, a[0], 'primaryIdType') ??
      checkId(op, a[1], 'primaryId') ??
      checkIdType(op, a[2], 'secondaryIdType') ??
      checkId(op, a[3], 'secondaryId'),
    // A merge deletes the secondary person: a repeat after it may fail or merge anew. So it never
    // rides in a batch either (a batch is retried as a whole after an ambiguous failure).
    repeatable: false,
    personKey: (a) => String(a[1] ?? ''),
    invoke: (sdk, a) => sdk.track.mergeCustomers(a[0] as never, a[1] as string, a[2] as never, a[3] as string),
  }),
  trackPush: deliveryMetric('push', (track, data) => track.trackPush(data)),
  reportMetric: deliveryMetric('metric', (track, data) => track.reportMetric(data)),
  submitForm: {
    api: 'track',
    // A submission may trigger campaigns: a repeat could send twice.
    repeatable: false,
    // It identifies the person with the form's fields: it keeps its place among their updates.
    ordered: true,
    personKey: formPerson,
    params: ['formId', 'data'],
    check: (op, a) => checkId(op, a[0], 'formId', NO_BYTE_LIMIT) ?? checkFormData(op, a[1], 'data'),
    stored: trimmed,
    invoke: (sdk, a) => sdk.track.submitForm(a[0] as string, a[1] as Obj),
  },
  unsubscribe: {
    api: 'track',
    // It sets the delivery's person's `unsubscribed` attribute: a repeat sets it again.
    repeatable: true,
    ordered: false,
    personKey: nobody,
    params: ['deliveryId', 'unsubscribe'],
    check: (op, a) => checkId(op, a[0], 'deliveryId', NO_BYTE_LIMIT) ?? checkOptionalBoolean(op, a[1], 'unsubscribe'),
    stored: trimmed,
    invoke: (sdk, a) => sdk.track.unsubscribe(a[0] as string, a[1] as boolean | undefined),
  },
  addCustomersToSegment: segmentMembers((track, id, ids, idType) => track.addCustomersToSegment(id, ids, idType)),
  removeCustomersFromSegment: segmentMembers((track, id, ids, idType) => track.removeCustomersFromSegment(id, ids, idType)),
  entity: {
    api: 'track',
    // Upserts, deletes and relationships end in the same state when repeated; events carry a ULID
    // (see entityWithEventId), so Customer.io drops a repeat; a merge is not taken (mergeCustomers).
    repeatable: true,
    // Keeps its place among the updates of its person (or object); events too, unlike track's.
    ordered: true,
    personKey: entityKey,
    params: ['operation'],
    check: (op, a) => checkV2Operation(op, a[0], 'operation'),
    withEventId: entityWithEventId,
    eventIdIn: entityEventId,
    batch: entityBatchForm,
    stored: storedEntity,
    invoke: (sdk, a) => sdk.track.entity(a[0] as Obj),
  },
  sendEmail: transactional('email'),
  sendPush: transactional('push'),
  sendSMS: transactional('sms'),
  sendWhatsApp: transactional('whatsapp'),
  sendInboxMessage: transactional('inbox'),
  sendInApp: transactional('in_app'),
  triggerBroadcast: {
    api: 'app', repeatable: false, ordered: false, personKey: nobody,
    // Customer.io allows API-triggered broadcasts 1 request per 10 seconds.
    ownRateLimit: { perSecond: 0.1, burst: 1 },
    params: ['broadcastId', 'data', 'recipients'],
    check: (op, a) =>
      checkId(op, a[0], 'broadcastId', NO_BYTE_LIMIT) ??
      checkOptionalRecord(op, a[1], 'data') ??
      checkOptionalRecord(op, a[2], 'recipients'),
    stored: trimmed,
    invoke: (sdk, a) => requireApp(sdk).triggerBroadcast(a[0] as number, a[1] as Obj | undefined, a[2] as Obj | undefined),
  },
  ...PIPELINES_OPERATIONS,
};

/** The spec of a built-in operation, or `undefined` for any other name (`'constructor'`, a custom one). */
export function specOf(operation: string): OperationSpec | undefined {
  return Object.hasOwn(OPERATIONS, operation) ? (OPERATIONS[operation as OperationName] as OperationSpec) : undefined;
}
