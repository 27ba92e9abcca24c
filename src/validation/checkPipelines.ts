/**
 * Data Pipelines messages (customerio-node's `PipelinesClient`): the identifier rules the SDK
 * enforces (which would otherwise throw), the fields each type needs, and Customer.io's size limit,
 * checked before any request. Without `X-Strict-Mode` Customer.io accepts and silently drops a
 * malformed message, so the client catches what it can here.
 */
import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { checkId } from './checkId.js';
import { checkOptionalRecord } from './checkRecord.js';
import { checkWellFormed } from './checkString.js';
import { invalid } from './invalid.js';
import { isRecord } from './isRecord.js';
import { READ_AGAIN_FAILED, jsonText } from './jsonText.js';
import { CIO_LIMITS, utf8Bytes } from './limits.js';

/** The message types of the Data Pipelines API. */
export type PipelinesKind = 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';

export const PIPELINES_KINDS: readonly PipelinesKind[] = Object.freeze(['identify', 'track', 'page', 'screen', 'group', 'alias']);

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** An id the Pipelines API takes: a non-blank string or a finite number (no byte limit of Customer.io's own but the message's). */
function checkPipelinesId(op: string, value: unknown, field: string): CioValidationError | null {
  return checkId(op, value, field, { maxBytes: undefined });
}

function checkOptionalText(op: string, value: unknown, field: string): CioValidationError | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return invalid(op, field, `${field} must be a string, got ${describeType(value)}`);
  return checkWellFormed(op, value, field);
}

/**
 * Checks one message of type `kind` given as `field` (`payload`, or `items[3]` in a batch): a JSON
 * object with `userId` or `anonymousId` (alias: `userId` and `previousId`), a non-blank `event`
 * (track) or `groupId` (group), objects where objects go, a `timestamp` a date can be read from,
 * a `messageId` of at most 200 bytes, and at most 32 KB serialised.
 */
export function checkPipelinesMessage(op: string, payload: unknown, kind: PipelinesKind, field = 'payload'): CioValidationError | null {
  if (!isRecord(payload)) return invalid(op, field, `${field} must be an object, got ${describeType(payload)}`);
  const at = (name: string) => `${field}.${name}`;
  if (kind === 'alias') {
    const problem = checkPipelinesId(op, payload['userId'], at('userId')) ?? checkPipelinesId(op, payload['previousId'], at('previousId'));
    if (problem) return problem;
  } else {
    if (!present(payload['userId']) && !present(payload['anonymousId'])) {
      return invalid(op, field, `${field} must have a userId or an anonymousId`);
    }
    if (present(payload['userId'])) {
      const problem = checkPipelinesId(op, payload['userId'], at('userId'));
      if (problem) return problem;
    }
    if (present(payload['anonymousId'])) {
      if (typeof payload['anonymousId'] !== 'string') return invalid(op, at('anonymousId'), `${at('anonymousId')} must be a string, got ${describeType(payload['anonymousId'])}`);
      const problem = checkPipelinesId(op, payload['anonymousId'], at('anonymousId'));
      if (problem) return problem;
    }
  }
  if (kind === 'track') {
    const event = payload['event'];
    if (typeof event !== 'string' || event.trim() === '') return invalid(op, at('event'), `${at('event')} must be a non-blank string, got ${describeType(event)}`);
    const problem = checkWellFormed(op, event, at('event'));
    if (problem) return problem;
  }
  if (kind === 'group') {
    const groupId = payload['groupId'];
    if (typeof groupId !== 'string' && typeof groupId !== 'number') return invalid(op, at('groupId'), `${at('groupId')} must be a non-blank string, got ${describeType(groupId)}`);
    const problem = checkPipelinesId(op, groupId, at('groupId'));
    if (problem) return problem;
  }
  for (const name of ['traits', 'properties', 'context', 'integrations']) {
    const problem = checkOptionalRecord(op, payload[name], at(name));
    if (problem) return problem;
  }
  for (const name of ['name', 'category']) {
    const problem = checkOptionalText(op, payload[name], at(name));
    if (problem) return problem;
  }
  const messageId = payload['messageId'];
  if (messageId !== undefined) {
    if (typeof messageId !== 'string' || messageId.trim() === '') return invalid(op, at('messageId'), `${at('messageId')} must be a non-blank string, got ${describeType(messageId)}`);
    const problem = checkWellFormed(op, messageId, at('messageId'));
    if (problem) return problem;
    const bytes = utf8Bytes(messageId);
    if (bytes > CIO_LIMITS.pipelinesMessageIdBytes) {
      return invalid(op, at('messageId'), `${at('messageId')} is ${bytes} bytes; this client allows at most ${CIO_LIMITS.pipelinesMessageIdBytes}`);
    }
  }
  const timestamp = payload['timestamp'];
  if (timestamp !== undefined && (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))) {
    return invalid(op, at('timestamp'), `${at('timestamp')} must be an ISO 8601 date string, got ${typeof timestamp === 'string' ? 'a string no date can be read from' : describeType(timestamp)}`);
  }
  const text = jsonText(payload);
  if (text === undefined) return invalid(op, field, `${field} ${READ_AGAIN_FAILED}`);
  const bytes = utf8Bytes(text);
  if (bytes > CIO_LIMITS.pipelinesMessageBytes) {
    return invalid(op, field, `${field} is ${bytes} bytes serialised; Customer.io takes at most ${CIO_LIMITS.pipelinesMessageBytes} per message`);
  }
  return null;
}
