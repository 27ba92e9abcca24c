import type { QueueEntry } from './store.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Customer.io v2 wants seconds since the epoch. */
const seconds = (ms: number): number => Math.floor(ms / 1000);

function identifiers(customerId: unknown): Obj | undefined {
  if (typeof customerId === 'number') return { id: String(customerId) };
  if (typeof customerId !== 'string' || customerId === '') return undefined;
  // A v1 path segment may be an id, an email or `cio_<id>`; the v2 body must say which. An email
  // (or anything with '@') is left to the v1 route, which resolves it by the workspace's settings.
  if (customerId.includes('@')) return undefined;
  if (customerId.startsWith('cio_')) return { cio_id: customerId.slice(4) };
  return { id: customerId };
}

/**
 * The Track v2 batch operation that replays a queued v1 call, or `undefined` when the entry
 * must be replayed on its own route. Identify and events carry a `timestamp` (the time the app
 * made the call), so a late replay cannot overwrite newer attributes and events keep their time;
 * events keep their ULID `id`, so a replay after a crash cannot duplicate them.
 */
export function toBatchOperation(entry: QueueEntry): Obj | undefined {
  const [first, second, third] = entry.args;
  const ids = identifiers(first);
  if (!ids) return undefined;
  const base = { type: 'person', identifiers: ids };
  const ts = seconds(entry.enqueuedAt);
  switch (entry.operation) {
    case 'identify':
      return { ...base, action: 'identify', attributes: isObj(second) ? second : {}, timestamp: ts };
    case 'track': {
      if (!isObj(second) || typeof second['name'] !== 'string') return undefined;
      const { name, data, id, timestamp, type, ...rest } = second;
      if ((type !== undefined && type !== 'event') || Object.keys(rest).length > 0) return undefined;
      return {
        ...base,
        action: 'event',
        name,
        ...(typeof id === 'string' ? { id } : {}),
        timestamp: typeof timestamp === 'number' ? timestamp : ts,
        attributes: isObj(data) ? data : {},
      };
    }
    case 'trackPageView':
      if (typeof second !== 'string') return undefined;
      return {
        ...base,
        action: 'page',
        name: second,
        ...(typeof third === 'string' ? { id: third } : {}),
        timestamp: typeof entry.args[3] === 'number' ? entry.args[3] : ts,
      };
    case 'destroy':
      return { ...base, action: 'delete' };
    case 'suppress':
      return { ...base, action: 'suppress' };
    case 'unsuppress':
      return { ...base, action: 'unsuppress' };
    default:
      return undefined;
  }
}
