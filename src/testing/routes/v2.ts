import { CIO_LIMITS } from '../../validation/limits.js';
import { fail } from '../http.js';
import { personKey } from '../identity.js';
import type { DeliveredEventKind } from '../types.js';
import { checkAttributes, checkEvent, describe, isRecord, valueBytes } from '../validate.js';
import type { Problem } from '../validate.js';
import type { Handler, Route, RouteContext } from './context.js';

/** v2 `person` actions and the SDK-style operation name each one is recorded under. */
const PERSON_ACTIONS: Readonly<Record<string, string>> = {
  identify: 'identify',
  event: 'track',
  page: 'trackPageView',
  screen: 'trackScreen',
  delete: 'destroy',
  suppress: 'suppress',
  unsuppress: 'unsuppress',
  add_device: 'addDevice',
  delete_device: 'deleteDevice',
  merge: 'mergeCustomers',
};

const EVENT_KINDS: Readonly<Record<string, DeliveredEventKind>> = { event: 'event', page: 'page', screen: 'screen' };

/** One item's outcome: applied, or the problems that rejected it. */
type ItemPlan = { readonly problems: readonly Problem[]; readonly apply?: () => void };

const problem = (field: string, reason: string, message: string): Problem => ({ field, reason, message });
const rejected = (...problems: Problem[]): ItemPlan => ({ problems });

/** Token of a v2 device (`token`, or `id` as v1 names it). */
function deviceToken(device: Record<string, unknown>): string | null {
  const token = device['token'] ?? device['id'];
  return typeof token === 'string' && token !== '' ? token : null;
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

  if (type !== 'person') {
    // Objects, deliveries...: accepted as opaque operations (limits above still enforced).
    return { problems: [], apply: () => record(`${type}:${action}`, null) };
  }
  const operationName = PERSON_ACTIONS[action];
  if (operationName === undefined) return rejected(problem('action', 'invalid', `unknown action "${action}" for type person`));

  if (action === 'merge') {
    const primary = personKey(item['primary'], 'primary');
    const secondary = personKey(item['secondary'], 'secondary');
    if (primary.key === null || secondary.key === null) return { problems: [...primary.problems, ...secondary.problems] };
    const [p, s] = [primary.key, secondary.key];
    return { problems: [], apply: () => (ctx.state.merge(p, s), record(operationName, p)) };
  }

  const kind = EVENT_KINDS[action];
  const ids = item['identifiers'];
  const anon = item['anonymous_id'] ?? (isRecord(ids) ? ids['anonymous_id'] : undefined);
  const anonymousId = typeof anon === 'string' && anon !== '' ? anon : null;
  const anonymousOnly = kind !== undefined && anonymousId !== null && (!isRecord(ids) || Object.keys(ids).every((k) => k === 'anonymous_id'));
  const who = anonymousOnly ? { key: null, problems: [] } : personKey(ids, 'identifiers');
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
        record(person === null && operationName === 'track' ? 'trackAnonymous' : operationName, person, !delivered);
      },
    };
  }

  if (person === null) return { problems };
  const device = item['device'];
  if (action === 'identify') {
    problems.push(...checkAttributes(item['attributes'], 'attributes'));
  } else if (action === 'add_device' || action === 'delete_device') {
    if (!isRecord(device) || deviceToken(device) === null) {
      problems.push(problem('device.token', 'required', 'device.token is required'));
    } else {
      problems.push(...checkAttributes(device['attributes'], 'device.attributes'));
    }
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
      else if (isRecord(device)) {
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
