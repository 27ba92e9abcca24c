import type { CioValidationError } from '../errors/CioError.js';
import { checkAttributes } from './checkAttributes.js';
import { checkEvent } from './checkEvent.js';
import { checkId } from './checkId.js';
import { isIdentifierType } from './checkIdentifiers.js';
import { checkOptionalRecord } from './checkRecord.js';
import { checkRequiredString } from './checkString.js';
import { checkTransactional } from './checkTransactional.js';
import { describeType } from './describeType.js';
import { invalid } from './invalid.js';
import { isRecord } from './isRecord.js';
import { CIO_LIMITS, utf8Bytes } from './limits.js';

/** The parameters of one operation and the rules its arguments must follow. */
export interface OperationRule {
  /** Parameter names, in order, as customerio-node names them; used as the root of field paths. */
  readonly params: readonly string[];
  /** Checks arguments that are already known to be JSON-serialisable. */
  readonly check: (operation: string, args: readonly unknown[]) => CioValidationError | null;
}

const customerOnly: OperationRule = {
  params: ['customerId'],
  check: (op, [customerId]) => checkId(op, customerId, 'customerId'),
};

function checkAttributesArg(op: string, data: unknown, field: string): CioValidationError | null {
  return checkOptionalRecord(op, data, field) ?? (isRecord(data) ? checkAttributes(op, data, field) : null);
}

function checkIdType(op: string, value: unknown, field: string): CioValidationError | null {
  if (isIdentifierType(value)) return null;
  const got = typeof value === 'string' ? 'another string' : describeType(value);
  return invalid(op, field, `${field} must be one of 'id', 'email' or 'cio_id', got ${got}`);
}

function checkPageName(op: string, path: unknown): CioValidationError | null {
  const problem = checkRequiredString(op, path, 'path');
  if (problem !== null) return problem;
  const bytes = utf8Bytes(path as string);
  if (bytes <= CIO_LIMITS.pageNameBytes) return null;
  return invalid(op, 'path', `page path is ${bytes} bytes; this client allows at most ${CIO_LIMITS.pageNameBytes}`);
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
      check: (op, [customerId, data]) => checkId(op, customerId, 'customerId') ?? checkAttributesArg(op, data, 'data'),
    },
  ],
  [
    'track',
    {
      params: ['customerId', 'data'],
      check: (op, [customerId, data]) => checkId(op, customerId, 'customerId') ?? checkEvent(op, data, 'data'),
    },
  ],
  [
    'trackAnonymous',
    {
      params: ['anonymousId', 'data'],
      check: (op, [anonymousId, data]) =>
        checkId(op, anonymousId, 'anonymousId', { allowEmpty: true }) ?? checkEvent(op, data, 'data'),
    },
  ],
  [
    'trackPageView',
    {
      params: ['customerId', 'path'],
      check: (op, [customerId, path]) => checkId(op, customerId, 'customerId') ?? checkPageName(op, path),
    },
  ],
  ['destroy', customerOnly],
  ['suppress', customerOnly],
  ['unsuppress', customerOnly],
  [
    'addDevice',
    {
      params: ['customerId', 'deviceId', 'platform', 'data'],
      check: (op, [customerId, deviceId, platform, data]) =>
        checkId(op, customerId, 'customerId') ??
        checkRequiredString(op, deviceId, 'deviceId') ??
        checkRequiredString(op, platform, 'platform') ??
        checkAttributesArg(op, data, 'data'),
    },
  ],
  [
    'deleteDevice',
    {
      params: ['customerId', 'deviceToken'],
      check: (op, [customerId, deviceToken]) =>
        checkId(op, customerId, 'customerId') ?? checkId(op, deviceToken, 'deviceToken', { maxBytes: undefined }),
    },
  ],
  [
    'mergeCustomers',
    {
      params: ['primaryIdType', 'primaryId', 'secondaryIdType', 'secondaryId'],
      check: (op, [primaryIdType, primaryId, secondaryIdType, secondaryId]) =>
        checkIdType(op, primaryIdType, 'primaryIdType') ??
        checkId(op, primaryId, 'primaryId') ??
        checkIdType(op, secondaryIdType, 'secondaryIdType') ??
        checkId(op, secondaryId, 'secondaryId'),
    },
  ],
  ['sendEmail', { params: ['request'], check: (op, [request]) => checkTransactional(op, request, 'email') }],
  ['sendPush', { params: ['request'], check: (op, [request]) => checkTransactional(op, request, 'push') }],
  [
    'triggerBroadcast',
    {
      params: ['broadcastId', 'data', 'recipients'],
      check: (op, [broadcastId, data, recipients]) =>
        checkId(op, broadcastId, 'broadcastId', { maxBytes: undefined }) ??
        checkOptionalRecord(op, data, 'data') ??
        checkOptionalRecord(op, recipients, 'recipients'),
    },
  ],
]);
