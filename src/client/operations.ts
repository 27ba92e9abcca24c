import { APIClient, SendEmailRequest, SendPushRequest, TrackClient } from 'customerio-node';
import type { OperationName } from './types.js';

/** The two SDK clients an operation may run on. */
export interface SdkClients {
  track: TrackClient;
  app: APIClient | undefined;
}

/** How the client treats one Customer.io operation. */
export interface OperationSpec {
  /** Which API (and credentials) it uses. */
  readonly api: 'track' | 'app';
  /** How many arguments it takes before the optional `CallOptions`. */
  readonly arity: number;
  /** Whether Customer.io drops a repeat of it (events by ULID) or a repeat is harmless (upserts, deletes). */
  readonly repeatable: boolean;
  /** Whether it sends an event that should carry a ULID `id`. */
  readonly event: boolean;
  /** The person the operation is about, for keeping one person's operations in order. */
  personKey(args: readonly unknown[]): string;
  /** Returns the arguments with the event `id` set (a copy; the caller's objects are not changed). */
  withEventId?(args: readonly unknown[], id: string): { args: unknown[]; id: string };
  /** Calls the SDK. May throw synchronously (the SDK's MissingParamError). */
  invoke(sdk: SdkClients, args: readonly unknown[]): Promise<unknown>;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const person = (args: readonly unknown[]): string => String(args[0] ?? '');
const none = (): string => '';

/** Sets `id` on an event payload unless the caller gave one; returns a copy. */
function eventWithId(args: readonly unknown[], index: number, id: string): { args: unknown[]; id: string } {
  const copy = [...args];
  const data = isObj(copy[index]) ? { ...(copy[index] as Obj) } : {};
  const given = typeof data['id'] === 'string' && data['id'] !== '' ? (data['id'] as string) : undefined;
  data['id'] = given ?? id;
  copy[index] = data;
  return { args: copy, id: data['id'] as string };
}

function requireApp(sdk: SdkClients): APIClient {
  if (!sdk.app) throw new MissingAppKeyError();
  return sdk.app;
}

/** Thrown when an App API operation is called without an App API key. */
export class MissingAppKeyError extends Error {
  override readonly name = 'MissingAppKeyError';
  constructor() {
    super('This operation needs the App API key (appApiKey or CUSTOMERIO_APP_API_KEY)');
  }
}

/** The message payload of a SendEmailRequest/SendPushRequest, or the plain options object given instead. */
export function messageOf(request: unknown): Obj {
  if (isObj(request) && isObj(request['message'])) return request['message'];
  return isObj(request) ? request : {};
}

function sendRequest<T extends SendEmailRequest | SendPushRequest>(
  Ctor: new (opts: never) => T,
  request: unknown,
): T {
  if (request instanceof Ctor) return request;
  const message = messageOf(request);
  const built = new Ctor({ to: message['to'], identifiers: message['identifiers'] } as never);
  (built as { message: Obj }).message = { ...message };
  return built;
}

const personOf = (request: unknown): string => {
  const ids = messageOf(request)['identifiers'];
  if (!isObj(ids)) return '';
  return String(ids['id'] ?? ids['email'] ?? ids['cio_id'] ?? '');
};

/** Every operation the client offers, keyed by name. */
export const OPERATIONS: Readonly<Record<OperationName, OperationSpec>> = {
  identify: {
    api: 'track', arity: 2, repeatable: true, event: false, personKey: person,
    invoke: (sdk, a) => sdk.track.identify(a[0] as string, a[1] as Obj | undefined),
  },
  track: {
    api: 'track', arity: 2, repeatable: true, event: true, personKey: person,
    withEventId: (a, id) => eventWithId(a, 1, id),
    invoke: (sdk, a) => sdk.track.track(a[0] as string, a[1] as Obj),
  },
  trackAnonymous: {
    api: 'track', arity: 2, repeatable: true, event: true,
    // An anonymous id orders that visitor's events; invite events (no id) have no order to keep.
    personKey: (a) => (a[0] === '' || a[0] === undefined || a[0] === null ? '' : `anon:${String(a[0])}`),
    withEventId: (a, id) => eventWithId(a, 1, id),
    invoke: (sdk, a) => sdk.track.trackAnonymous(a[0] as string, a[1] as Obj),
  },
  trackPageView: {
    api: 'track', arity: 2, repeatable: true, event: true, personKey: person,
    // The SDK's trackPageView cannot carry an event id, so the page view is sent as the
    // same request it makes ({ type: 'page', name: path }) through track(), plus the id.
    withEventId: (a, id) => ({ args: [a[0], a[1], id], id }),
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
  destroy: {
    api: 'track', arity: 1, repeatable: true, event: false, personKey: person,
    invoke: (sdk, a) => sdk.track.destroy(a[0] as string),
  },
  suppress: {
    api: 'track', arity: 1, repeatable: true, event: false, personKey: person,
    invoke: (sdk, a) => sdk.track.suppress(a[0] as string),
  },
  unsuppress: {
    api: 'track', arity: 1, repeatable: true, event: false, personKey: person,
    invoke: (sdk, a) => sdk.track.unsuppress(a[0] as string),
  },
  addDevice: {
    api: 'track', arity: 4, repeatable: true, event: false, personKey: person,
    invoke: (sdk, a) => sdk.track.addDevice(a[0] as string, a[1] as string, a[2] as string, a[3] as Obj | undefined),
  },
  deleteDevice: {
    api: 'track', arity: 2, repeatable: true, event: false, personKey: person,
    invoke: (sdk, a) => sdk.track.deleteDevice(a[0] as string, a[1] as string),
  },
  mergeCustomers: {
    api: 'track', arity: 4, repeatable: false, event: false, personKey: (a) => String(a[1] ?? ''),
    invoke: (sdk, a) => sdk.track.mergeCustomers(a[0] as never, a[1] as string, a[2] as never, a[3] as string),
  },
  sendEmail: {
    api: 'app', arity: 1, repeatable: false, event: false, personKey: (a) => personOf(a[0]),
    invoke: (sdk, a) => requireApp(sdk).sendEmail(sendRequest(SendEmailRequest, a[0])),
  },
  sendPush: {
    api: 'app', arity: 1, repeatable: false, event: false, personKey: (a) => personOf(a[0]),
    invoke: (sdk, a) => requireApp(sdk).sendPush(sendRequest(SendPushRequest, a[0])),
  },
  triggerBroadcast: {
    api: 'app', arity: 3, repeatable: false, event: false, personKey: none,
    invoke: (sdk, a) => requireApp(sdk).triggerBroadcast(a[0] as number, a[1] as Obj | undefined, a[2] as Obj | undefined),
  },
};

/** The spec of a built-in operation, or `undefined` for any other name (`'constructor'`, a custom one). */
export function specOf(operation: string): OperationSpec | undefined {
  return Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation as OperationName] : undefined;
}

/** The operation names, in a fixed order. */
export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

/**
 * The arguments as they will be stored and replayed: the message of a transactional request, and no
 * trailing `undefined`. Every store keeps them as JSON (validation made sure they are JSON data).
 */
export function toStorableArgs(operation: OperationName, args: readonly unknown[], now: number = Date.now()): unknown[] {
  if (operation === 'sendEmail' || operation === 'sendPush') return [messageOf(args[0])];
  const trimmed = [...args];
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === undefined) trimmed.pop();
  // A queued event keeps the time the app made it (unix seconds), however late it is replayed.
  const seconds = Math.floor(now / 1000);
  if ((operation === 'track' || operation === 'trackAnonymous') && isObj(trimmed[1]) && typeof trimmed[1]['timestamp'] !== 'number') {
    trimmed[1] = { ...trimmed[1], timestamp: seconds };
  }
  if (operation === 'trackPageView' && trimmed.length === 3) trimmed.push(seconds);
  return trimmed;
}

export { TrackClient, APIClient };
