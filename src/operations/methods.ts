/**
 * One method per operation, with customerio-node's arguments plus the optional call options, written
 * once for the client (`R` = `Promise<CioResult>`) and the request scope (`R` = `DeferredCall`): each
 * hands its arguments to the class's `[CALL]`. `ResilientClient implements CioClient` and
 * `RequestScopedClient implements ScopedCioClient` check them against the operations' signatures.
 */
import type {
  AliasPayload,
  CallName,
  CallOptions,
  CioData,
  CioEventData,
  IdentifierType,
  GroupPayload,
  IdentifyPayload,
  MetricRequestData,
  PagePayload,
  PipelinesBatchItem,
  PushRequestData,
  ScreenPayload,
  SendEmailRequest,
  SendInAppRequest,
  SendInboxMessageRequest,
  SendPushRequest,
  SendSMSRequest,
  SendWhatsAppRequest,
  TrackPayload,
  TransactionalRequest,
} from './types.js';

/** The method each operation method hands its call to (not reachable without this symbol). */
export const CALL = Symbol('call');

/** Takes one call: the operation, its arguments (in order, absent ones `undefined`) and its raw options. */
type Call<R> = (operation: CallName, args: unknown[], options: unknown) => R;

/**
 * The Data Pipelines operations on `client.pipelines` (and `req.cio.pipelines`), with
 * customerio-node's `PipelinesClient` arguments plus the optional call options; `B` is what a batch
 * answers.
 */
export class PipelinesMethods<R, B extends R = R> {
  readonly #call: Call<R>;

  constructor(call: Call<R>) {
    this.#call = call;
  }

  identify(payload: IdentifyPayload, options?: CallOptions): R {
    return this.#call('pipelines.identify', [payload], options);
  }

  track(payload: TrackPayload, options?: CallOptions): R {
    return this.#call('pipelines.track', [payload], options);
  }

  page(payload: PagePayload, options?: CallOptions): R {
    return this.#call('pipelines.page', [payload], options);
  }

  screen(payload: ScreenPayload, options?: CallOptions): R {
    return this.#call('pipelines.screen', [payload], options);
  }

  group(payload: GroupPayload, options?: CallOptions): R {
    return this.#call('pipelines.group', [payload], options);
  }

  alias(payload: AliasPayload, options?: CallOptions): R {
    return this.#call('pipelines.alias', [payload], options);
  }

  batch(items: PipelinesBatchItem[], options?: CallOptions): B {
    return this.#call('pipelines.batch', [items], options) as B;
  }
}

export abstract class OperationMethods<R, B extends R = R> {
  /** Takes one call: the operation, its arguments (in order, absent ones `undefined`) and its raw options. */
  protected abstract [CALL](operation: CallName, args: unknown[], options: unknown): R;

  /** The Data Pipelines operations (customerio-node's `PipelinesClient`). */
  readonly pipelines: PipelinesMethods<R, B> = new PipelinesMethods<R, B>((operation, args, options) => this[CALL](operation, args, options));

  identify(customerId: string | number, data?: CioData, options?: CallOptions): R {
    return this[CALL]('identify', [customerId, data], options);
  }

  track(customerId: string | number, data: CioEventData, options?: CallOptions): R {
    return this[CALL]('track', [customerId, data], options);
  }

  trackAnonymous(anonymousId: string | number, data: CioEventData, options?: CallOptions): R {
    return this[CALL]('trackAnonymous', [anonymousId, data], options);
  }

  trackPageView(customerId: string | number, path: string, options?: CallOptions): R {
    return this[CALL]('trackPageView', [customerId, path], options);
  }

  destroy(customerId: string | number, options?: CallOptions): R {
    return this[CALL]('destroy', [customerId], options);
  }

  suppress(customerId: string | number, options?: CallOptions): R {
    return this[CALL]('suppress', [customerId], options);
  }

  unsuppress(customerId: string | number, options?: CallOptions): R {
    return this[CALL]('unsuppress', [customerId], options);
  }

  addDevice(customerId: string | number, deviceId: string, platform: string, data?: CioData, options?: CallOptions): R {
    return this[CALL]('addDevice', [customerId, deviceId, platform, data], options);
  }

  deleteDevice(customerId: string | number, deviceToken: string | number, options?: CallOptions): R {
    return this[CALL]('deleteDevice', [customerId, deviceToken], options);
  }

  mergeCustomers(
    primaryIdType: IdentifierType,
    primaryId: string | number,
    secondaryIdType: IdentifierType,
    secondaryId: string | number,
    options?: CallOptions,
  ): R {
    return this[CALL]('mergeCustomers', [primaryIdType, primaryId, secondaryIdType, secondaryId], options);
  }

  trackPush(data: PushRequestData, options?: CallOptions): R {
    return this[CALL]('trackPush', [data], options);
  }

  reportMetric(data: MetricRequestData, options?: CallOptions): R {
    return this[CALL]('reportMetric', [data], options);
  }

  submitForm(formId: string | number, data: CioData, options?: CallOptions): R {
    return this[CALL]('submitForm', [formId, data], options);
  }

  unsubscribe(deliveryId: string | number, unsubscribe?: boolean, options?: CallOptions): R {
    return this[CALL]('unsubscribe', [deliveryId, unsubscribe], options);
  }

  addCustomersToSegment(segmentId: string | number, customerIds: Array<string | number>, idType?: IdentifierType, options?: CallOptions): R {
    return this[CALL]('addCustomersToSegment', [segmentId, customerIds, idType], options);
  }

  removeCustomersFromSegment(segmentId: string | number, customerIds: Array<string | number>, idType?: IdentifierType, options?: CallOptions): R {
    return this[CALL]('removeCustomersFromSegment', [segmentId, customerIds, idType], options);
  }

  entity(operation: CioData, options?: CallOptions): R {
    return this[CALL]('entity', [operation], options);
  }

  sendEmail(request: TransactionalRequest<SendEmailRequest>, options?: CallOptions): R {
    return this[CALL]('sendEmail', [request], options);
  }

  sendPush(request: TransactionalRequest<SendPushRequest>, options?: CallOptions): R {
    return this[CALL]('sendPush', [request], options);
  }

  sendSMS(request: TransactionalRequest<SendSMSRequest>, options?: CallOptions): R {
    return this[CALL]('sendSMS', [request], options);
  }

  sendWhatsApp(request: TransactionalRequest<SendWhatsAppRequest>, options?: CallOptions): R {
    return this[CALL]('sendWhatsApp', [request], options);
  }

  sendInboxMessage(request: TransactionalRequest<SendInboxMessageRequest>, options?: CallOptions): R {
    return this[CALL]('sendInboxMessage', [request], options);
  }

  sendInApp(request: TransactionalRequest<SendInAppRequest>, options?: CallOptions): R {
    return this[CALL]('sendInApp', [request], options);
  }

  triggerBroadcast(broadcastId: string | number, data?: CioData, recipients?: CioData, options?: CallOptions): R {
    return this[CALL]('triggerBroadcast', [broadcastId, data, recipients], options);
  }

  batch(operations: CioData[], options?: CallOptions): B {
    return this[CALL]('batch', [operations], options) as B;
  }
}

/**
 * The method of `client` that takes calls of `operation` (`'pipelines.track'` is
 * `client.pipelines.track`), bound to its owner, or `undefined`: for a client made by other code
 * (a Proxy, a wrapper), which gets each call through its own method.
 */
export function methodOf(client: object, operation: CallName): ((...args: unknown[]) => unknown) | undefined {
  const dot = operation.indexOf('.');
  const owner: unknown = dot < 0 ? client : (client as Record<string, unknown>)[operation.slice(0, dot)];
  if (typeof owner !== 'object' || owner === null) return undefined;
  const method = (owner as Record<string, unknown>)[operation.slice(dot + 1)];
  return typeof method === 'function' ? (...args: unknown[]) => Reflect.apply(method, owner, args) : undefined;
}
