/**
 * The public shape of every Customer.io operation: its name, its arguments (customerio-node's, plus
 * an optional last {@link CallOptions}) and what a call resolves to. The table in `table.ts` says how
 * the client treats each one.
 */
import type {
  AliasPayload,
  GroupPayload,
  IdentifyPayload,
  MetricRequestData,
  PagePayload,
  PushRequestData,
  ScreenPayload,
  TrackPayload,
  SendEmailRequest,
  SendInAppRequest,
  SendInboxMessageRequest,
  SendPushRequest,
  SendSMSRequest,
  SendWhatsAppRequest,
} from 'customerio-node';
import type { BatchItem } from 'customerio-node';
export type {
  AliasPayload,
  GroupPayload,
  IdentifyPayload,
  MetricRequestData,
  PagePayload,
  PushRequestData,
  ScreenPayload,
  TrackPayload,
  SendEmailRequest,
  SendInAppRequest,
  SendInboxMessageRequest,
  SendPushRequest,
  SendSMSRequest,
  SendWhatsAppRequest,
};
import type { CioError } from '../errors/CioError.js';
import type { IdentifierType } from '../validation/checkIdentifiers.js';

/** Operations of the Track API that this client wraps. */
export type TrackOperationName =
  | 'identify'
  | 'track'
  | 'trackAnonymous'
  | 'trackPageView'
  | 'destroy'
  | 'suppress'
  | 'unsuppress'
  | 'addDevice'
  | 'deleteDevice'
  | 'mergeCustomers'
  | 'trackPush'
  | 'reportMetric'
  | 'submitForm'
  | 'unsubscribe'
  | 'addCustomersToSegment'
  | 'removeCustomersFromSegment'
  | 'entity';

/** Operations of the App API (transactional sends and broadcasts) that this client wraps. */
export type AppOperationName = 'sendEmail' | 'sendPush' | 'sendSMS' | 'sendWhatsApp' | 'sendInboxMessage' | 'sendInApp' | 'triggerBroadcast';

/** Operations of the Data Pipelines API (customerio-node's `PipelinesClient`), offered as `client.pipelines.<name>`. */
export type PipelinesOperationName = `pipelines.${keyof CioPipelinesOperations}`;

/** Every Customer.io operation the client offers (one request each). */
export type OperationName = TrackOperationName | AppOperationName | PipelinesOperationName;

/**
 * Calls made of several operations: `batch` (the caller's own Track v2 operations, each delivered
 * as an `entity` call) and `pipelines.batch` (Data Pipelines messages, each delivered as its own
 * type). Each part is validated, guarded, batched, queued and replayed as that operation is.
 */
export type CompositeName = 'batch' | 'pipelines.batch';

/** Every name a call of the client or of the request scope may carry. */
export type CallName = OperationName | CompositeName;

/** The outcome of one call. */
export type CioResultStatus = 'sent' | 'queued' | 'duplicate' | 'rejected' | 'failed' | 'dropped';

/** What every client method resolves to. It never rejects. */
export interface CioResult {
  /**
   * - `sent`: Customer.io accepted it.
   * - `queued`: held in the fallback queue, to be delivered later.
   * - `duplicate`: a call with this idempotency key was sent or queued within its TTL (or is in flight); nothing was sent.
   * - `rejected`: invalid input or a permanent 4xx; not retried, not queued.
   * - `failed`: a transient failure with no queue able to take it (or an ambiguous one).
   * - `dropped`: the queue was full.
   */
  status: CioResultStatus;
  /** `'track'`, `'identify'`, … (or the decorator's operation name). */
  operation: string;
  /** The call's idempotency key as given (or under a request's `Idempotency-Key`); `''` for a call without one. */
  idempotencyKey: string;
  /** HTTP attempts this call made. */
  attempts: number;
  /** Why it was not sent; typed, never holds credentials. */
  error?: CioError;
  /** The ULID `id` of the event, for `track`, `trackAnonymous`, `trackPageView` and an `entity` event, page or screen. */
  eventId?: string;
  /**
   * Set on a `queued` result whose push the queue store could not confirm (a remote store such as
   * `bullmqQueue` sent the write, but its answer was lost): it may or may not be stored. Do not send
   * it again yourself: if it is stored it will be delivered.
   */
  maybeQueued?: true;
}

/** The optional last argument of every operation. */
export interface CallOptions {
  /**
   * A key that makes repeats of this call within the idempotency TTL (`idempotency.ttlMs`) send
   * once: a later call with the same operation and key resolves `duplicate`, and concurrent ones
   * make one request. A non-empty string; one longer than 200 characters is kept as its hash.
   * Default: none, and a call without a key is never treated as a repeat (identical content is not
   * a duplicate), unless the client opted in to `idempotency.contentKeys`.
   */
  idempotencyKey?: string;
  /**
   * Lets the call wait up to the client's `batch.maxDelayMs` to go out in one Track v2 batch request
   * with other calls (the person calls from `identify` to `deleteDevice`, and `entity`; merges,
   * metrics, forms, unsubscribes, segment calls and the App API go on their own route, as does a call
   * Customer.io's batches cannot carry, such as an email as the id). Request-scoped calls always ask for it.
   * It is validated when made and sent when its batch goes: do not change its arguments after the
   * call (request-scoped calls are copied when made, so this only concerns direct calls).
   * @default false
   */
  batch?: boolean;
}

/** Identifier kinds accepted by `mergeCustomers`: `'id'`, `'email'` or `'cio_id'`. */
export type { IdentifierType };

/** Attributes or event data: any JSON-serialisable object. */
export type CioData = Record<string, unknown>;

/** A track/trackAnonymous payload: `name` is required; `id` (a ULID) is added when missing. */
export interface CioEventData extends CioData {
  name: string;
  data?: CioData;
  id?: string;
  timestamp?: number;
}

/** A transactional message: the SDK's request object or its plain options. */
export type TransactionalRequest<T> = T | CioData;

/** The Customer.io operations, with the SDK's names and arguments plus an optional last `CallOptions`. */
export interface CioOperations {
  identify(customerId: string | number, data?: CioData, options?: CallOptions): Promise<CioResult>;
  track(customerId: string | number, data: CioEventData, options?: CallOptions): Promise<CioResult>;
  trackAnonymous(anonymousId: string | number, data: CioEventData, options?: CallOptions): Promise<CioResult>;
  trackPageView(customerId: string | number, path: string, options?: CallOptions): Promise<CioResult>;
  destroy(customerId: string | number, options?: CallOptions): Promise<CioResult>;
  suppress(customerId: string | number, options?: CallOptions): Promise<CioResult>;
  unsuppress(customerId: string | number, options?: CallOptions): Promise<CioResult>;
  addDevice(customerId: string | number, deviceId: string, platform: string, data?: CioData, options?: CallOptions): Promise<CioResult>;
  deleteDevice(customerId: string | number, deviceToken: string | number, options?: CallOptions): Promise<CioResult>;
  mergeCustomers(
    primaryIdType: IdentifierType,
    primaryId: string | number,
    secondaryIdType: IdentifierType,
    secondaryId: string | number,
    options?: CallOptions,
  ): Promise<CioResult>;
  trackPush(data: PushRequestData, options?: CallOptions): Promise<CioResult>;
  reportMetric(data: MetricRequestData, options?: CallOptions): Promise<CioResult>;
  submitForm(formId: string | number, data: CioData, options?: CallOptions): Promise<CioResult>;
  unsubscribe(deliveryId: string | number, unsubscribe?: boolean, options?: CallOptions): Promise<CioResult>;
  addCustomersToSegment(segmentId: string | number, customerIds: Array<string | number>, idType?: IdentifierType, options?: CallOptions): Promise<CioResult>;
  removeCustomersFromSegment(segmentId: string | number, customerIds: Array<string | number>, idType?: IdentifierType, options?: CallOptions): Promise<CioResult>;
  /** `operation`: one Track v2 operation, `{ type: 'person' | 'object', action, identifiers, … }` (the SDK's `BatchOperation`). */
  entity(operation: CioData, options?: CallOptions): Promise<CioResult>;
  sendEmail(request: TransactionalRequest<SendEmailRequest>, options?: CallOptions): Promise<CioResult>;
  sendPush(request: TransactionalRequest<SendPushRequest>, options?: CallOptions): Promise<CioResult>;
  sendSMS(request: TransactionalRequest<SendSMSRequest>, options?: CallOptions): Promise<CioResult>;
  sendWhatsApp(request: TransactionalRequest<SendWhatsAppRequest>, options?: CallOptions): Promise<CioResult>;
  sendInboxMessage(request: TransactionalRequest<SendInboxMessageRequest>, options?: CallOptions): Promise<CioResult>;
  sendInApp(request: TransactionalRequest<SendInAppRequest>, options?: CallOptions): Promise<CioResult>;
  triggerBroadcast(broadcastId: string | number, data?: CioData, recipients?: CioData, options?: CallOptions): Promise<CioResult>;
  /**
   * The caller's own Track v2 operations (the SDK's `batch`): each is validated as `entity` is (the
   * whole call is rejected, nothing sent, if one is invalid), then delivered as an `entity` call
   * (events get a ULID, people keep their order, a transient failure queues it), going out together
   * in v2 batch requests. Resolves one result with each operation's own in `items`, in order.
   */
  batch(operations: CioData[], options?: CallOptions): Promise<CioBatchResult>;
}

/** The Data Pipelines operations (customerio-node's `PipelinesClient`), on `client.pipelines`. */
export interface CioPipelinesOperations {
  identify(payload: IdentifyPayload, options?: CallOptions): Promise<CioResult>;
  track(payload: TrackPayload, options?: CallOptions): Promise<CioResult>;
  page(payload: PagePayload, options?: CallOptions): Promise<CioResult>;
  screen(payload: ScreenPayload, options?: CallOptions): Promise<CioResult>;
  group(payload: GroupPayload, options?: CallOptions): Promise<CioResult>;
  alias(payload: AliasPayload, options?: CallOptions): Promise<CioResult>;
}

/** The Data Pipelines client on `client.pipelines`: its operations and its `batch`. */
export interface CioPipelines extends CioPipelinesOperations {
  /**
   * Several messages, each `{ type: 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias', …payload }`
   * (the SDK's `BatchItem`): each validated and delivered as its own operation (the whole call is
   * rejected, nothing sent, if one is invalid), going out together through the Pipelines batch route.
   */
  batch(items: PipelinesBatchItem[], options?: CallOptions): Promise<CioBatchResult>;
}

/** One message of `pipelines.batch`: the SDK's `BatchItem`. */
export type PipelinesBatchItem = BatchItem;

/** What `batch` and `pipelines.batch` resolve to: the call's result, and each part's own. */
export interface CioBatchResult extends CioResult {
  /**
   * Each part's result, in the order given. The call's `status` is `sent` when every part was sent,
   * else the first of `failed`, `dropped`, `rejected`, `queued`, `duplicate` found among the parts;
   * its `attempts` the most any part made.
   */
  items: CioResult[];
}

type PipelinesSignatures = {
  [K in keyof CioPipelinesOperations as `pipelines.${K}`]: CioPipelinesOperations[K];
};

/** Every single operation's signature, by name. */
type Signatures = Omit<CioOperations, 'batch'> & PipelinesSignatures;

/** The arguments of operation `N` before its optional `CallOptions`, every one present (a tuple: its length is the arity). */
export type OperationArgs<N extends OperationName> = Required<Parameters<Signatures[N]>> extends [...infer A, CallOptions] ? A : never;
