import type { CioValidationError } from '../errors/CioError.js';
import { checkIdentifiers } from './checkIdentifiers.js';
import { checkId } from './checkId.js';
import { checkRequiredString } from './checkString.js';
import { describeType } from '../internal/describe.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';
import { isRecord, jsonProperty, type JsonRecord } from './isRecord.js';

/** Which transactional send is being checked. */
export type TransactionalKind = 'email' | 'push' | 'sms' | 'whatsapp' | 'inbox' | 'in_app';

/** The SDK's request class of each kind, for error messages. */
const REQUEST_CLASS: Readonly<Record<TransactionalKind, string>> = {
  email: 'SendEmailRequest',
  push: 'SendPushRequest',
  sms: 'SendSMSRequest',
  whatsapp: 'SendWhatsAppRequest',
  inbox: 'SendInboxMessageRequest',
  in_app: 'SendInAppRequest',
};

/**
 * Checks the argument of a transactional send (`sendEmail`, `sendPush`, `sendSMS`, `sendWhatsApp`,
 * `sendInboxMessage`, `sendInApp`): either the SDK's request object (an object whose `message` is an
 * object) or the plain options object such a request is built from.
 *
 * Both need valid {@link checkIdentifiers | identifiers}. An email also needs a recipient (`to`, or an
 * `email` identifier) and content: a `transactional_message_id`, or all of `body`, `subject` and `from`.
 * Every other kind needs a `transactional_message_id` (the SDK's types require one, a push's even with
 * `custom_payload`).
 */
export function checkTransactional(
  operation: string,
  request: unknown,
  kind: TransactionalKind,
  field = 'request',
): CioValidationError | null {
  if (!isRecord(request)) {
    const expected = REQUEST_CLASS[kind];
    return invalid(operation, field, `${field} must be a ${expected} or its options object, got ${describeType(request)}`);
  }
  const inner = jsonProperty(request, 'message');
  const wrapped = isRecord(inner);
  const message = wrapped ? inner : request;
  const base = wrapped ? childPath(field, 'message') : field;
  const identifiers = jsonProperty(message, 'identifiers');
  return (
    checkIdentifiers(operation, identifiers, childPath(base, 'identifiers')) ??
    (kind === 'email' ? checkEmail(operation, message, base, identifiers) : checkTemplateId(operation, message, base))
  );
}

function checkEmail(operation: string, message: JsonRecord, base: string, identifiers: unknown): CioValidationError | null {
  return checkRecipient(operation, message, base, identifiers) ?? checkEmailContent(operation, message, base);
}

/** `to` is required unless the person is identified by email, and must not be blank when given. */
function checkRecipient(operation: string, message: JsonRecord, base: string, identifiers: unknown): CioValidationError | null {
  const to = jsonProperty(message, 'to');
  const path = childPath(base, 'to');
  if (to !== undefined) return checkRequiredString(operation, to, path);
  const hasEmailIdentifier = isRecord(identifiers) && jsonProperty(identifiers, 'email') !== undefined;
  return hasEmailIdentifier ? null : invalid(operation, path, `${path} is required unless identifiers has an email`);
}

/** A template id, or inline `body`, `subject` and `from`. */
function checkEmailContent(operation: string, message: JsonRecord, base: string): CioValidationError | null {
  if (jsonProperty(message, 'transactional_message_id') !== undefined) return checkTemplateId(operation, message, base);
  for (const name of ['body', 'subject', 'from'] as const) {
    const value = jsonProperty(message, name);
    if (value === undefined) {
      const problem = `needs a transactional_message_id, or a body, subject and from (${name} is missing)`;
      return invalid(operation, base, `${base} ${problem}`);
    }
    const problem = checkRequiredString(operation, value, childPath(base, name));
    if (problem !== null) return problem;
  }
  return null;
}

function checkTemplateId(operation: string, message: JsonRecord, base: string): CioValidationError | null {
  return checkId(operation, jsonProperty(message, 'transactional_message_id'), childPath(base, 'transactional_message_id'), {
    maxBytes: undefined,
  });
}
