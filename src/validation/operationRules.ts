import type { CioValidationError } from '../errors/CioError.js';
import { checkAttributes } from './checkAttributes.js';
import { checkEvent } from './checkEvent.js';
import { checkId, type IdOptions } from './checkId.js';
import { isIdentifierType } from './checkIdentifiers.js';
import { checkOptionalRecord } from './checkRecord.js';
import { checkRequiredString, checkWellFormed } from './checkString.js';
import { checkTransactional } from './checkTransactional.js';
import { describeType } from './describeType.js';
import { invalid } from './invalid.js';
import { isRecord } from './isRecord.js';
import { CIO_LIMITS, utf8Bytes } from './limits.js';

/** The parameters of one operation and the rules its arguments must follow. */
export interface OperationRule {
  /** Parameter names, in order, as customerio-node names them; used as the root of field paths. */
  readonly params: readonly string[];
  /** Checks arguments that are already known to be JSON-serialisable (read by index: no destructuring iterator per call). */
  readonly check: (operation: string, args: readonly unknown[]) => CioValidationError | null;
}

/** Options shared by every call (not an object literal per call). */
const ALLOW_EMPTY: IdOptions = Object.freeze({ allowEmpty: true });
const NO_BYTE_LIMIT: IdOptions = Object.freeze({ maxBytes: undefined });
const DEVICE_TOKEN: IdOptions = Object.freeze({ maxBytes: CIO_LIMITS.deviceTokenBytes, ownLimit: true });

const customerOnly: OperationRule = {
  params: ['customerId'],
  check: (op, args) => checkId(op, args[0], 'customerId'),
};

function checkAttributesArg(op: string, data: unknown, field: string): CioValidationError | null {
  return checkOptionalRecord(op, data, field) ?? (isRecord(data) ? checkAttributes(op, data, field) : null);
}

function checkIdType(op: string, value: unknown, field: string): CioValidationError | null {
  if (isIdentifierType(value)) return null;
  const got = typeof value === 'string' ? 'another string' : describeType(value);
  return invalid(op, field, `${field} must be one of 'id', 'email' or 'cio_id', got ${got}`);
}

/** A page view's path: sent as the event name, so held to the event-name limit. */
function checkPageName(op: string, path: unknown): CioValidationError | null {
  const problem = checkRequiredString(op, path, 'path') ?? checkWellFormed(op, path as string, 'path');
  if (problem !== null) return problem;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: a short path needs no counting.
  const bytes = (path as string).length * 3 <= CIO_LIMITS.pageNameBytes ? 0 : utf8Bytes(path as string);
  if (bytes <= CIO_LIMITS.pageNameBytes) return null;
  return invalid(
    op,
    'path',
    `page path is ${bytes} bytes; Customer.io allows at most ${CIO_LIMITS.pageNameBytes} (a page view is sent as an event of that name)`,
  );
}

/** A device id as `addDevice` takes it: a string (sent in the body), bounded like a token. */
function checkDeviceId(op: string, value: unknown, field: string): CioValidationError | null {
  return checkRequiredString(op, value, field) ?? checkId(op, value, field, DEVICE_TOKEN);
}

/**
 * The rules for every Customer.io operation the client wraps, keyed by operation name. Arguments have
 * customerio-node's `TrackClient` / `APIClient` shapes.
 */
export const OPERATION_RULES: ReadonlyMap<string, OperationRule> = new Map<string, OperationRule>([
  [
    'identify',
    {
      params: ['customerId', 'data'],
      check: (op, args) => checkId(op, args[0], 'customerId') ?? checkAttributesArg(op, args[1], 'data'),
    },
  ],
  [
    'track',
    {
      params: ['customerId', 'data'],
      check: (op, args) => checkId(op, args[0], 'customerId') ?? checkEvent(op, args[1], 'data'),
    },
  ],
  [
    'trackAnonymous',
    {
      params: ['anonymousId', 'data'],
      check: (op, args) =>
        checkId(op, args[0], 'anonymousId', ALLOW_EMPTY) ?? checkEvent(op, args[1], 'data'),
    },
  ],
  [
    'trackPageView',
    {
      params: ['customerId', 'path'],
      check: (op, args) => checkId(op, args[0], 'customerId') ?? checkPageName(op, args[1]),
    },
  ],
  ['destroy', customerOnly],
  ['suppress', customerOnly],
  ['unsuppress', customerOnly],
  [
    'addDevice',
    {
      params: ['customerId', 'deviceId', 'platform', 'data'],
      check: (op, args) =>
        checkId(op, args[0], 'customerId') ??
        checkDeviceId(op, args[1], 'deviceId') ??
        checkRequiredString(op, args[2], 'platform') ??
        checkAttributesArg(op, args[3], 'data'),
    },
  ],
  [
    'deleteDevice',
    {
      params: ['customerId', 'deviceToken'],
      check: (op, args) =>
        checkId(op, args[0], 'customerId') ?? checkId(op, args[1], 'deviceToken', DEVICE_TOKEN),
    },
  ],
  [
    'mergeCustomers',
    {
      params: ['primaryIdType', 'primaryId', 'secondaryIdType', 'secondaryId'],
      check: (op, args) =>
        checkIdType(op, args[0], 'primaryIdType') ??
        checkId(op, args[1], 'primaryId') ??
        checkIdType(op, args[2], 'secondaryIdType') ??
        checkId(op, args[3], 'secondaryId'),
    },
  ],
  ['sendEmail', { params: ['request'], check: (op, args) => checkTransactional(op, args[0], 'email') }],
  ['sendPush', { params: ['request'], check: (op, args) => checkTransactional(op, args[0], 'push') }],
  [
    'triggerBroadcast',
    {
      params: ['broadcastId', 'data', 'recipients'],
      check: (op, args) =>
        checkId(op, args[0], 'broadcastId', NO_BYTE_LIMIT) ??
        checkOptionalRecord(op, args[1], 'data') ??
        checkOptionalRecord(op, args[2], 'recipients'),
    },
  ],
]);
