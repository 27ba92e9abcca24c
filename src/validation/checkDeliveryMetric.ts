import type { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { checkRequiredString } from './checkString.js';
import { childPath } from './fieldPath.js';
import { invalid } from './invalid.js';
import { isRecord, jsonProperty, type JsonRecord } from './isRecord.js';

/** `event` values of `trackPush` (`POST /push/events`, Customer.io's "Report push metrics" reference). */
export const PUSH_EVENTS: readonly string[] = Object.freeze(['opened', 'converted', 'delivered']);

/**
 * `metric` values of `reportMetric` (`POST /metrics`): the union of the channel lists in Customer.io's
 * "Report metrics" reference (email and webhook take all eight; in-app, push, Slack and SMS a subset).
 */
export const DELIVERY_METRICS: readonly string[] = Object.freeze(['bounced', 'clicked', 'converted', 'deferred', 'delivered', 'dropped', 'opened', 'spammed']);

/** Which delivery metric is being checked. */
export type DeliveryMetricKind = 'push' | 'metric';

/**
 * Checks the argument of `trackPush` / `reportMetric`: an object with a `delivery_id` (a string, not
 * blank) and the metric (`event` of a push: opened, converted or delivered; `metric`: one of
 * {@link DELIVERY_METRICS}). Optional: `timestamp`, whole unix seconds; a push's `device_id`, a
 * string; a metric's `href` and `reason`, strings, and `recipient`, a string or a number. Other
 * fields pass through. Expects a value that already passed `checkSerialisable`.
 */
export function checkDeliveryMetric(operation: string, data: unknown, kind: DeliveryMetricKind, field = 'data'): CioValidationError | null {
  if (!isRecord(data)) return invalid(operation, field, `${field} must be an object with a delivery_id, got ${describeType(data)}`);
  const problem =
    checkRequiredString(operation, jsonProperty(data, 'delivery_id'), childPath(field, 'delivery_id')) ??
    (kind === 'push' ? oneOf(operation, data, field, 'event', PUSH_EVENTS) : oneOf(operation, data, field, 'metric', DELIVERY_METRICS)) ??
    checkTimestamp(operation, jsonProperty(data, 'timestamp'), childPath(field, 'timestamp'));
  if (problem !== null) return problem;
  if (kind === 'push') return optionalString(operation, data, field, 'device_id');
  return optionalString(operation, data, field, 'href') ?? optionalString(operation, data, field, 'reason') ?? optionalString(operation, data, field, 'recipient', true);
}

/** A required field whose value is one of `allowed`. */
function oneOf(operation: string, data: JsonRecord, field: string, name: string, allowed: readonly string[]): CioValidationError | null {
  const value = jsonProperty(data, name);
  if (typeof value === 'string' && allowed.includes(value)) return null;
  const path = childPath(field, name);
  if (value === undefined || value === null || value === '') return invalid(operation, path, `${path} is required: one of ${allowed.join(', ')}`);
  const got = typeof value === 'string' ? 'another string' : describeType(value);
  return invalid(operation, path, `${path} must be one of ${allowed.join(', ')}, got ${got}`);
}

/** An optional string (or, with `numbers`, a finite number); `null` counts as absent. */
function optionalString(operation: string, data: JsonRecord, field: string, name: string, numbers = false): CioValidationError | null {
  const value = jsonProperty(data, name);
  if (value === undefined || value === null || typeof value === 'string') return null;
  if (numbers && typeof value === 'number' && Number.isFinite(value)) return null;
  const path = childPath(field, name);
  return invalid(operation, path, `${path} must be a string${numbers ? ' or a finite number' : ''}, got ${describeType(value)}`);
}

/** An optional timestamp in whole unix seconds (Customer.io types it as an integer); `null` counts as absent. */
export function checkTimestamp(operation: string, value: unknown, path: string): CioValidationError | null {
  if (value === undefined || value === null || Number.isSafeInteger(value)) return null;
  const got = typeof value === 'number' ? 'a number with a fraction or out of range' : describeType(value);
  return invalid(operation, path, `${path} must be a Unix time in whole seconds (an integer), got ${got}`);
}
