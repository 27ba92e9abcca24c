/**
 * One method per operation, with customerio-node's arguments plus the optional call options, written
 * once for the client (`R` = `Promise<CioResult>`) and the request scope (`R` = `DeferredCall`): each
 * hands its arguments to the class's `[CALL]`. `ResilientClient implements CioClient` and
 * `RequestScopedClient implements ScopedCioClient` check them against the operations' signatures.
 */
import type {
  CallOptions,
  CioData,
  CioEventData,
  IdentifierType,
  MetricRequestData,
  OperationName,
  PushRequestData,
  SendEmailRequest,
  SendInAppRequest,
  SendInboxMessageRequest,
  SendPushRequest,
  SendSMSRequest,
  SendWhatsAppRequest,
  TransactionalRequest,
} from './types.js';

/** The method each operation method hands its call to (not reachable without this symbol). */
export const CALL = Symbol('call');

export abstract class OperationMethods<R> {
  /** Takes one call: the operation, its arguments (in order, absent ones `undefined`) and its raw options. */
  protected abstract [CALL](operation: OperationName, args: unknown[], options: unknown): R;

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
}
