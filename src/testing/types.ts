/**
 * Public types of the local Customer.io emulator (`customerio-resilience/testing`).
 *
 * @packageDocumentation
 */

/**
 * Which Customer.io API a request was addressed to: Track (`/api/v1`, `/api/v2`), App (`/v1`), Data
 * Pipelines (`/cdp/v1`, Customer.io's `https://cdp.customer.io/v1`) or none of them.
 */
export type CioApi = 'track' | 'app' | 'pipelines' | 'unknown';

/** How a request authenticated: right credentials, no `Authorization` header, or wrong credentials. */
export type AuthState = 'ok' | 'missing' | 'invalid';

/** Options of {@link startCioEmulator}. Every field is optional. */
export interface CioEmulatorOptions {
  /** Track API site id accepted in Basic auth. Default `'emu-site'`. */
  siteId?: string | undefined;
  /** Track API key accepted in Basic auth. Default `'emu-track-key'`. */
  apiKey?: string | undefined;
  /** App API key accepted as a Bearer token. Default `'emu-app-key'`. */
  appApiKey?: string | undefined;
  /**
   * Data Pipelines source write key, accepted in Basic auth as `base64(writeKey + ':')` (the key is
   * the user name, the password blank), as `PipelinesClient` sends it. Default `'emu-pipelines-key'`.
   */
  pipelinesWriteKey?: string | undefined;
  /** TCP port; `0` (the default) picks a free one. The same port is kept across `down()` / `up()`. */
  port?: number | undefined;
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string | undefined;
  /** Data center echoed by `GET /api/v1/accounts/region`. Default `'us'`. */
  region?: 'us' | 'eu' | undefined;
  /**
   * Clock in milliseconds since the epoch, used for record times, fault `forMs` windows and the
   * arrival time of identify calls without a timestamp. Default `Date.now`. Inject one to test
   * outage windows without sleeping.
   */
  now?: (() => number) | undefined;
}

/** One HTTP request as the emulator received it. Never holds the `Authorization` header or any credential. */
export interface RecordedRequest {
  /** 1-based arrival number (restarts at 1 after `reset()`). */
  readonly seq: number;
  /** Arrival time, ms since the epoch (from the emulator clock). */
  readonly at: number;
  /** HTTP method, upper case. */
  readonly method: string;
  /** URL path without the query string. */
  readonly path: string;
  /** Query string parameters (last value wins for repeated names). */
  readonly query: Readonly<Record<string, string>>;
  /** The API the path belongs to. */
  readonly api: CioApi;
  /**
   * The SDK operation the route stands for: `identify`, `destroy`, `track`, `trackPageView`,
   * `trackAnonymous`, `suppress`, `unsuppress`, `addDevice`, `deleteDevice`, `mergeCustomers`,
   * `getAccountRegion`, `trackPush`, `reportMetric`, `addCustomersToSegment`,
   * `removeCustomersFromSegment`, `submitForm`, `unsubscribe`, `batch`, `entity`, `sendEmail`,
   * `sendPush`, `sendSMS`, `sendWhatsApp`, `sendInboxMessage`, `sendInApp`, `triggerBroadcast`;
   * the App API reads `getCustomersByEmail`, `searchCustomers`, `getAttributes`,
   * `getCustomersAttributes`, `getSegmentMembership`, `getSegmentCustomerCount`, `getMessage`; the
   * Data Pipelines calls `pipelines.identify`, `pipelines.track`, `pipelines.page`,
   * `pipelines.screen`, `pipelines.group`, `pipelines.alias`, `pipelines.batch` (named as this
   * package's operations table names them, so they never clash with the Track API's `identify`,
   * `track` and `batch`); `null` for an unknown route.
   */
  readonly operation: string | null;
  /** Status answered, or `null` when no answer was (yet) sent: a hang, a reset (also after `applyThen`), or a pending delay. */
  readonly status: number | null;
  /** Whether a fault rule matched this request. */
  readonly fault: boolean;
  /** Authentication outcome. */
  readonly auth: AuthState;
  /** Parsed JSON body, or `null` when empty or not valid JSON. */
  readonly body: unknown;
  /** Size of the raw body in bytes. */
  readonly bodyBytes: number;
  /** The SDK's `X-Retry-Count` header as a number, `0` when absent. */
  readonly retryCount: number;
}

/** Kind of a delivered event: a custom event, a page view or a (v2) screen view. */
export type DeliveredEventKind = 'event' | 'page' | 'screen';

/** An event Customer.io would have stored: accepted and not a ULID duplicate. */
export interface DeliveredEvent {
  /** 1-based position in `events`. */
  readonly seq: number;
  /** `seq` of the request that carried it. */
  readonly requestSeq: number;
  /** Time it was accepted, ms since the epoch. */
  readonly at: number;
  /** `'v1'` for `/api/v1` routes, `'v2'` for `/api/v2/batch` and `/api/v2/entity`. */
  readonly source: 'v1' | 'v2';
  /** Event, page view or screen view. */
  readonly kind: DeliveredEventKind;
  /** Event name (the page path for page views). */
  readonly name: string;
  /** Person key (id, email or `cio_<cio_id>`), `null` for anonymous events. */
  readonly personId: string | null;
  /** The anonymous id, when sent. */
  readonly anonymousId: string | null;
  /** The event's ULID `id`, upper case, when sent. */
  readonly id: string | null;
  /** Event data (v1 `data`, v2 `attributes`); `{}` when none. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The event's `timestamp`, when sent. */
  readonly timestamp: number | null;
}

/** An operation the emulator accepted (answered 2xx, or an applied item of a 207 batch). */
export interface AcceptedOperation {
  /** 1-based position in `operations`. */
  readonly seq: number;
  /** `seq` of the request that carried it. */
  readonly requestSeq: number;
  /** Time it was accepted, ms since the epoch. */
  readonly at: number;
  /** `'v1'`, `'v2'` (Track) or `'app'` (App API). */
  readonly source: 'v1' | 'v2' | 'app';
  /**
   * SDK-style operation name: `identify`, `destroy`, `track`, `trackAnonymous`, `trackPageView`,
   * `suppress`, `unsuppress`, `addDevice`, `deleteDevice`, `mergeCustomers`, `trackPush`,
   * `reportMetric`, `addCustomersToSegment`, `removeCustomersFromSegment`, `submitForm`,
   * `unsubscribe`, `sendEmail`, `sendPush`, `sendSMS`, `sendWhatsApp`, `sendInboxMessage`,
   * `sendInApp`, `triggerBroadcast`; a v2 person item is recorded under the name its v1 route records
   * (a screen view as `track`, any anonymous event as `trackAnonymous`), v2's relationship actions as
   * `addRelationships` / `deleteRelationships`; for a v2 item of another `type`, `'<type>:<action>'`
   * (`object:identify`, `object:delete`, `object:add_relationships`, ...).
   */
  readonly operation: string;
  /** The v2 `action` of a batch/entity item, `null` for v1 and App operations. */
  readonly action: string | null;
  /** Index in the v2 `batch` array, `null` otherwise. */
  readonly batchIndex: number | null;
  /** Person key the operation addressed, when it addressed one. */
  readonly personId: string | null;
  /** `true` for an event acknowledged but ignored because its ULID `id` was seen before. */
  readonly duplicate: boolean;
  /** The operation's JSON (request body for v1/App, the item for v2). */
  readonly payload: unknown;
}

/**
 * A custom object (Track v2 `type: "object"`), kept by `entity` / `batch` operations. The emulator
 * assigns no `cio_object_id`: an operation naming an object only by `cio_object_id` is validated and
 * recorded but changes no stored object.
 */
export interface ObjectRecord {
  /** `identifiers.object_type_id` (a string-formatted integer, `"1"` for the first type). */
  readonly typeId: string;
  /** `identifiers.object_id`. */
  readonly objectId: string;
  /** Attributes merged across `identify` operations; `null` or `""` removes one. `{}` when none. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /**
   * Related people by person key (id, email or `cio_<cio_id>`), with the relationship's attributes
   * (`{}` when none). Changed from either side: the object's `add_relationships` /
   * `delete_relationships` / `identify` with `cio_relationships`, or the person's. Relating a person
   * to an object not yet identified creates the object without attributes.
   */
  readonly relationships: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

/** A message the emulator answered a transactional send with, by its `delivery_id`. */
export interface DeliveryRecord {
  /** The `delivery_id` answered. */
  readonly id: string;
  /** The send: `sendEmail`, `sendPush`, `sendSMS`, `sendWhatsApp`, `sendInboxMessage` or `sendInApp`. */
  readonly operation: string;
  /** Person key of its `identifiers`. */
  readonly personId: string;
  /** The send's `transactional_message_id`, `null` for an inline email. */
  readonly transactionalMessageId: string | number | null;
  /** `seq` of the request that sent it. */
  readonly requestSeq: number;
  /** Metrics reported for it, in arrival order: `trackPush`'s `event`, `reportMetric`'s `metric`. */
  readonly metrics: readonly string[];
}

/** The message types of the Data Pipelines API (a `/batch` item's `type`, else the route). */
export type PipelinesMessageType = 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';

/** A Data Pipelines message the emulator accepted (answered 200 and not a `messageId` duplicate). */
export interface PipelinesMessage {
  /** 1-based position in `pipelinesMessages`. */
  readonly seq: number;
  /** `seq` of the request that carried it. */
  readonly requestSeq: number;
  /** Time it was accepted, ms since the epoch. */
  readonly at: number;
  /** Its type: the route's (`/identify` ...), or a `/batch` item's `type`. */
  readonly type: PipelinesMessageType;
  /** `userId` as a string (the SDK takes numbers too), `null` when absent. */
  readonly userId: string | null;
  /** `anonymousId`, `null` when absent. */
  readonly anonymousId: string | null;
  /** `messageId` (the SDK fills a UUID when the caller gives none), `null` when absent: never de-duplicated then. */
  readonly messageId: string | null;
  /** A `track`'s `event`, a `page`'s or `screen`'s `name`; `null` otherwise (or when a page has no name). */
  readonly name: string | null;
  /** Index in the `/batch` array, `null` for the single-message routes. */
  readonly batchIndex: number | null;
  /** Whether the request asked for strict mode (`X-Strict-Mode: 1`). */
  readonly strict: boolean;
  /** The message as sent (a `/batch` item, with its `type`). */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** A Data Pipelines request or message the emulator did not process. See {@link CioEmulator.pipelinesRejected}. */
export interface PipelinesRejection {
  /** `seq` of the request. */
  readonly requestSeq: number;
  /** Time, ms since the epoch. */
  readonly at: number;
  /** The message type, `'batch'` for a whole `/batch` request, `null` for a batch item with no valid `type`. */
  readonly type: PipelinesMessageType | 'batch' | null;
  /** Index of the rejected item in a `/batch`, `null` for a whole request. */
  readonly batchIndex: number | null;
  /** Whether the request asked for strict mode; without it the request was answered 200 all the same. */
  readonly strict: boolean;
  /** What strict mode answers for it: 401 (write key) or 400 (everything else). */
  readonly status: 400 | 401;
  /** Why, as Customer.io's `meta.errors` would say it. */
  readonly errors: readonly string[];
  /** The message (or request body) as sent; `null` when the body was not JSON. */
  readonly payload: unknown;
}

/** A device registered with `addDevice` (v1) or `add_device` (v2). */
export interface DeviceRecord {
  /** Device token. */
  readonly token: string;
  /** Platform (`ios`, `android`, ...), when sent. */
  readonly platform: string | null;
  /** `last_used`, when sent. */
  readonly lastUsed: number | null;
  /** Device attributes; `{}` when none. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** Which requests a fault rule applies to. Every given field must match; an empty match matches all. */
export interface FaultMatch {
  /** API of the request (`'pipelines'` for the Data Pipelines routes). */
  api?: Exclude<CioApi, 'unknown'> | undefined;
  /** HTTP method (case-insensitive). */
  method?: string | undefined;
  /** Exact path (without query) or a pattern tested against it. */
  path?: string | RegExp | undefined;
  /** Operation name as in {@link RecordedRequest.operation}. */
  operation?: string | undefined;
}

/**
 * A fault rule. Kinds, checked in this order after the optional `delayMs`: `applyThen`, `reset`,
 * `hang`, `status`; with none of them the request is handled normally (after the delay). A rule with
 * no kind at all (nor `delayMs`) answers 503; `retryAfter` alone answers 429.
 */
export interface FaultSpec {
  /** Answer with this status; the operation is not applied (even for a 2xx status: a "black hole"). */
  status?: number | undefined;
  /**
   * Body of a `status` answer: `'json'` (default) → `{"meta":{"error":"..."}}`; `'html'` → a text/html
   * page like a proxy's 502; `'empty'` → no body; any other string is sent as-is (as JSON if it parses).
   */
  body?: 'json' | 'html' | 'empty' | (string & {}) | undefined;
  /** `Retry-After` header of a `status` answer: seconds, or an HTTP date string. */
  retryAfter?: number | string | undefined;
  /** Read the request and never answer; the socket stays open until the client aborts, `down()` or `close()`. */
  hang?: boolean | undefined;
  /** Wait this long before answering (normally, or as the other fields say). */
  delayMs?: number | undefined;
  /** Read the request, then destroy the socket with a TCP reset (the SDK sees `TypeError('fetch failed')`). */
  reset?: boolean | undefined;
  /**
   * Handle the request normally, so the operation IS applied (people, events and operations change
   * as for a 2xx), then lose the answer: `'reset'` destroys the socket with a TCP reset, `'hang'`
   * never answers (until the client aborts, `down()` or `close()`). The client cannot tell this from
   * a request that never arrived: it is the case ULID event ids exist for, and the one that must not
   * make a retry or a replay deliver twice. The request is recorded with `status: null`. Cannot be
   * combined with `status`, `body`, `retryAfter`, `hang` or `reset` (a `RangeError`); `delayMs` delays it.
   */
  applyThen?: 'reset' | 'hang' | undefined;
  /** Apply to this many matching requests, then stop. Default: unlimited. */
  times?: number | undefined;
  /** Apply only for this long from now (by the emulator clock). Combinable with `times`. */
  forMs?: number | undefined;
  /** Which requests. Default: all. */
  match?: FaultMatch | undefined;
}

/** Handle on an installed fault rule. */
export interface FaultHandle {
  /** How many requests the rule has applied to. */
  readonly hits: number;
  /** Whether the rule still applies (not removed, `times` not used up, `forMs` not elapsed). */
  readonly active: boolean;
  /** Uninstall the rule. Idempotent. */
  remove(): void;
}

/** Notifications of {@link CioEmulator.on}, with their payload. */
export interface CioEmulatorEvents {
  /** A request was recorded (at arrival for hangs, resets and delayed answers, else once answered). */
  request: RecordedRequest;
  /** An event was delivered (not a duplicate). */
  event: DeliveredEvent;
  /** An operation was accepted. */
  operation: AcceptedOperation;
  /** A Data Pipelines message was accepted (not a `messageId` duplicate). */
  pipelinesMessage: PipelinesMessage;
}

/** Options of the `waitFor*` helpers. */
export interface WaitOptions {
  /** Reject after this long. Default 5000 ms. */
  timeoutMs?: number | undefined;
}

/** A running emulator. See {@link startCioEmulator}. */
export interface CioEmulator {
  /** `http://HOST:PORT`. */
  readonly url: string;
  /** Track API base for the SDK's `url` option: `${url}/api/v1` (the SDK derives `/api/v2`). */
  readonly trackUrl: string;
  /** App API base for the SDK's `url` option: `${url}/v1`. */
  readonly appUrl: string;
  /**
   * Data Pipelines base for `PipelinesClient`'s `url` option: `${url}/cdp/v1` (Customer.io's is
   * `https://cdp.customer.io/v1`; the SDK appends `/identify`, `/track`, ..., `/batch`).
   */
  readonly pipelinesUrl: string;
  /** The port listened on (kept across `down()` / `up()`). */
  readonly port: number;
  /** Whether the emulator is listening. */
  readonly isUp: boolean;
  /** Every request received, in arrival order, including faulted, 401 and 400 ones. A live read-only view. */
  readonly requests: readonly RecordedRequest[];
  /** Events accepted, after ULID de-duplication. A live read-only view. */
  readonly events: readonly DeliveredEvent[];
  /** Events dropped because their `id` had been seen before. */
  readonly duplicates: number;
  /** Every accepted operation (each item of a v2 batch counts on its own). A live read-only view. */
  readonly operations: readonly AcceptedOperation[];
  /**
   * Person attributes by person key (id, email or `cio_<cio_id>`), merged across identify calls with
   * last-write-wins per attribute by `timestamp` (arrival time when none is sent).
   */
  readonly people: ReadonlyMap<string, Record<string, unknown>>;
  /** Person keys currently suppressed. */
  readonly suppressed: ReadonlySet<string>;
  /** Devices by person key, then by token. */
  readonly devices: ReadonlyMap<string, ReadonlyMap<string, DeviceRecord>>;
  /**
   * Manual segment members (person keys) by segment id (as in the URL), from
   * `addCustomersToSegment` / `removeCustomersFromSegment`. A segment appears on first use (Customer.io
   * needs it created in the app first); deleting or suppressing a person removes them, a merge moves
   * the secondary's memberships to the primary.
   */
  readonly segments: ReadonlyMap<string, ReadonlySet<string>>;
  /** Custom objects by `<object_type_id>:<object_id>`. See {@link ObjectRecord}. */
  readonly objects: ReadonlyMap<string, ObjectRecord>;
  /** Transactional deliveries by `delivery_id`, with the metrics reported for them. */
  readonly deliveries: ReadonlyMap<string, DeliveryRecord>;
  /**
   * Data Pipelines messages Customer.io would have processed, in arrival order (each item of a
   * `/batch` on its own), after `messageId` de-duplication. A live read-only view.
   */
  readonly pipelinesMessages: readonly PipelinesMessage[];
  /** Data Pipelines messages dropped because their `messageId` had been accepted before. */
  readonly pipelinesDuplicates: number;
  /**
   * Data Pipelines messages (and whole requests) Customer.io would not process: wrong or missing
   * write key, body not JSON, over a size limit, or invalid. In strict mode (`X-Strict-Mode: 1`)
   * they were answered 401/400; otherwise 200, as Customer.io's permissive mode does. A live read-only view.
   */
  readonly pipelinesRejected: readonly PipelinesRejection[];
  /**
   * Traits of Data Pipelines profiles, merged (last write wins per trait) from `identify` calls, by
   * `userId` (else `anonymousId`, else the `traits.email` an id-less identify names). An identify
   * with both ids, or an `alias`, folds the anonymous / previous profile into the `userId` one (the
   * `userId` profile's traits win). Kept apart from `people` (the Track API's workspace): what a
   * Pipelines source changes in a workspace depends on its destinations, which the emulator does not model.
   */
  readonly pipelinesPeople: ReadonlyMap<string, Record<string, unknown>>;
  /** Add a fault rule after the existing ones (the first matching active rule applies). */
  fault(spec: FaultSpec): FaultHandle;
  /** Remove every fault rule. */
  clearFaults(): void;
  /** Stop listening (new connections are refused) and destroy open sockets. The port is kept. */
  down(): Promise<void>;
  /** Listen again on the same port. No-op when already up; rejects after `close()`. */
  up(): Promise<void>;
  /**
   * Forget requests, events, operations, people, devices, suppressions, segments, objects,
   * deliveries, Data Pipelines messages, rejections and profiles, faults, and seen event ids and `messageId`s.
   */
  reset(): void;
  /** Resolve once `requests.length >= n`; reject after `timeoutMs` (default 5000) or on `close()`. */
  waitForRequests(n: number, opts?: WaitOptions): Promise<void>;
  /** Resolve once `events.length >= n`; reject after `timeoutMs` (default 5000) or on `close()`. */
  waitForEvents(n: number, opts?: WaitOptions): Promise<void>;
  /** Resolve once `pipelinesMessages.length >= n`; reject after `timeoutMs` (default 5000) or on `close()`. */
  waitForPipelinesMessages(n: number, opts?: WaitOptions): Promise<void>;
  /** Subscribe to a notification. */
  on<K extends keyof CioEmulatorEvents>(event: K, listener: (payload: CioEmulatorEvents[K]) => void): this;
  /** Unsubscribe a listener added with {@link CioEmulator.on}. */
  off<K extends keyof CioEmulatorEvents>(event: K, listener: (payload: CioEmulatorEvents[K]) => void): this;
  /** Stop for good: close the server, every socket (hanging ones too) and timer. Idempotent. */
  close(): Promise<void>;
}
