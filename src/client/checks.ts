import { describeType } from '../internal/describe.js';
import { specOf } from '../operations/table.js';
import { isApiName } from '../operations/spec.js';
import type { ReplayOptions } from './CioClient.js';
import type { DrainOptions } from './types.js';

/** Checks `registerReplay()`'s arguments: a TypeError or RangeError naming what is wrong. */
export function checkReplay(operation: unknown, handler: unknown, options: unknown): asserts options is ReplayOptions {
  if (typeof operation !== 'string' || operation === '') throw new TypeError(`registerReplay: operation must be a non-empty string, got ${describeType(operation)}`);
  if (specOf(operation)) throw new RangeError(`registerReplay: '${operation}' is a built-in operation and cannot be replaced`);
  if (typeof handler !== 'function') throw new TypeError(`registerReplay: handler must be a function, got ${describeType(handler)}`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`registerReplay: options must be an object such as { repeatable: false }, got ${describeType(options)}`);
  }
  const repeatable: unknown = Reflect.get(options, 'repeatable');
  if (repeatable !== undefined && typeof repeatable !== 'boolean') {
    throw new TypeError(`registerReplay: repeatable must be a boolean, got ${describeType(repeatable)}`);
  }
  const api: unknown = Reflect.get(options, 'api');
  if (api !== undefined && !isApiName(api)) throw new RangeError(`registerReplay: api must be 'track', 'app' or 'pipelines', got ${describeType(api)}`);
}

/** `flush()`'s and `close()`'s `timeoutMs`, checked (default 10 s). */
export function checkTimeout(method: string, options: DrainOptions): number {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${method}: options must be an object, got ${typeof options}`);
  const t = options.timeoutMs ?? 10_000;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new RangeError(`${method}: timeoutMs must be a finite number >= 0, got ${String(t)}`);
  return t;
}
