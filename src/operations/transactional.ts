import {
  APIClient,
  SendEmailRequest,
  SendInAppRequest,
  SendInboxMessageRequest,
  SendPushRequest,
  SendSMSRequest,
  SendWhatsAppRequest,
} from 'customerio-node';
import { isRecord } from '../validation/isRecord.js';
import type { TransactionalKind } from '../validation/checkTransactional.js';
import type { SdkClients } from './spec.js';

type Obj = Record<string, unknown>;

/** Thrown when an App API operation is called without an App API key. */
export class MissingAppKeyError extends Error {
  override readonly name = 'MissingAppKeyError';
  constructor() {
    super('This operation needs the App API key (appApiKey or CUSTOMERIO_APP_API_KEY)');
  }
}

/** The App API client, or a {@link MissingAppKeyError}. */
export function requireApp(sdk: SdkClients): APIClient {
  if (!sdk.app) throw new MissingAppKeyError();
  return sdk.app;
}

/** The message payload of a SendEmailRequest/SendPushRequest, or the plain options object given instead. */
export function messageOf(request: unknown): Obj {
  if (isRecord(request) && isRecord(request['message'])) return request['message'];
  return isRecord(request) ? request : {};
}

/** The SDK request object of a transactional send: the one given, or one built from its message. */
export function sendRequest<T extends { message: unknown }>(Ctor: new (opts: never) => T, request: unknown): T {
  if (request instanceof Ctor) return request;
  const message = messageOf(request);
  const built = new Ctor({ to: message['to'], identifiers: message['identifiers'], transactional_message_id: message['transactional_message_id'] } as never);
  (built as { message: Obj }).message = { ...message };
  return built;
}

/** The person a transactional message is for (its `identifiers`), `''` for none. */
export function recipientOf(request: unknown): string {
  const ids = messageOf(request)['identifiers'];
  if (!isRecord(ids)) return '';
  return String(ids['id'] ?? ids['email'] ?? ids['cio_id'] ?? '');
}

/** Each transactional send: its SDK request class and APIClient method, in one place. */
const SENDS: Readonly<Record<TransactionalKind, (app: APIClient, request: unknown) => Promise<unknown>>> = {
  email: (app, r) => app.sendEmail(sendRequest(SendEmailRequest, r)),
  push: (app, r) => app.sendPush(sendRequest(SendPushRequest, r)),
  sms: (app, r) => app.sendSMS(sendRequest(SendSMSRequest, r)),
  whatsapp: (app, r) => app.sendWhatsApp(sendRequest(SendWhatsAppRequest, r)),
  inbox: (app, r) => app.sendInboxMessage(sendRequest(SendInboxMessageRequest, r)),
  in_app: (app, r) => app.sendInApp(sendRequest(SendInAppRequest, r)),
};

/** Sends a transactional message of `kind` (a request object, or its plain options) on the App API. */
export function sendTransactional(kind: TransactionalKind, sdk: SdkClients, request: unknown): Promise<unknown> {
  return SENDS[kind](requireApp(sdk), request);
}
