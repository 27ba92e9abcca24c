import type { CioClient } from '../client/CioClient.js';
import { OPERATIONS } from '../operations/table.js';
import { isApiName, type ApiName } from '../operations/spec.js';
import type { CioError } from '../errors/CioError.js';
import { describeOption } from '../internal/describe.js';
import { hasClientMethods } from '../client/clientShape.js';

/**
 * What a `@Resilient()` method does when its call fails (after retries, or at once while the
 * circuit is open):
 *
 * - omitted: resolve `undefined` and log a warning through the client's logger (never reject);
 * - `'queue'`: keep the call (its arguments, which must be JSON data) in the client's fallback
 *   queue and resolve `undefined`; the queue replays it later by operation name on a registered
 *   instance (see {@link registerResilient});
 * - `'throw'`: reject with the typed {@link CioError} (`isCioError(err)` is true);
 * - a function: called with the error and the method's arguments (`this` is the instance); the
 *   method resolves what it returns. If it throws, the error is logged and the method resolves `undefined`.
 */
export type ResilientFallback<Args extends unknown[] = any[]> =
  | 'queue'
  | 'throw'
  | ((error: CioError, ...args: Args) => unknown);

/** Options of {@link Resilient}. */
export interface ResilientOptions<Args extends unknown[] = any[]> {
  /**
   * Name of the operation: shown in results, events, logs and metrics, and the name queued calls
   * are replayed by. Give one explicitly when calls may be queued and the code is minified, since
   * class names then change between builds. It must not be a built-in operation such as `'track'`.
   * @default `${ClassName}.${methodName}`
   */
  operation?: string | undefined;
  /**
   * The client whose policies (rate limit, retry, circuit breaker, timeout, idempotency, queue) the
   * method runs under. Read at call time, so it can be set after the class is defined.
   * @default the client given to `setDefaultCioClient()`
   */
  client?: CioClient | undefined;
  /**
   * What to do when the call fails; see {@link ResilientFallback}.
   * @default undefined (resolve `undefined` and log a warning)
   */
  fallback?: ResilientFallback<Args> | undefined;
  /**
   * Derives the call's idempotency key from the method's arguments. Without it every call runs the
   * method (identical arguments are not a repeat). With it, a call made while another with the same
   * key runs shares that execution's value, and a call with a key that ran within the client's
   * idempotency TTL (`idempotency.ttlMs`) does not run the method and resolves `undefined`.
   * @default undefined (every call runs)
   */
  idempotencyKey?: ((...args: Args) => string) | undefined;
  /**
   * Whether running the method again after an ambiguous failure (a timeout, a reset after the
   * request was sent) is harmless. When `false`, such a failure is not retried: it ends with
   * `error.code === 'AMBIGUOUS'` and the call is kept as a dead letter.
   * @default true
   */
  repeatable?: boolean | undefined;
  /**
   * The API whose breaker and rate limit the method runs under, and its queued calls are replayed
   * under: `'app'` for a method that calls the App API (`client.app` of customerio-node), so an outage
   * of the Track API does not refuse it.
   * @default 'track'
   */
  api?: ApiName | undefined;
}

/** The options one `@Resilient()` application works with: validated, defaults applied, frozen. */
export interface NormalizedResilientOptions {
  readonly operation: string | undefined;
  readonly client: CioClient | undefined;
  readonly fallback: ResilientFallback | undefined;
  readonly idempotencyKey: ((...args: unknown[]) => string) | undefined;
  readonly repeatable: boolean;
  readonly api: ApiName;
}

/** Defaults of {@link ResilientOptions}. */
export const RESILIENT_DEFAULTS = Object.freeze({ repeatable: true, api: 'track' as ApiName });

const describe = describeOption;

/**
 * Validates `@Resilient()` options eagerly (when the class is defined) and returns a frozen copy
 * with defaults applied. Throws a `TypeError`/`RangeError` naming the option, the expected and the actual.
 */
export function normalizeResilientOptions(input: unknown): NormalizedResilientOptions {
  if (input === undefined) input = {};
  if (typeof input === 'function') {
    throw new TypeError('@Resilient: options must be an object, got a function; write @Resilient() with parentheses');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(`@Resilient: options must be an object, got ${describe(input)}`);
  }
  const o = input as ResilientOptions;
  if (o.operation !== undefined) {
    if (typeof o.operation !== 'string' || o.operation.trim() === '') {
      throw new TypeError(`@Resilient: operation must be a non-empty string, got ${describe(o.operation)}`);
    }
    if (Object.hasOwn(OPERATIONS, o.operation)) {
      throw new RangeError(`@Resilient: operation must not be a built-in Customer.io operation, got ${describe(o.operation)}`);
    }
  }
  if (o.client !== undefined && !isClientLike(o.client)) {
    throw new TypeError(`@Resilient: client must be a CioClient (from createCioClient), got ${describe(o.client)}`);
  }
  const f = o.fallback;
  if (f !== undefined && f !== 'queue' && f !== 'throw' && typeof f !== 'function') {
    throw new TypeError(`@Resilient: fallback must be 'queue', 'throw' or a function, got ${describe(f)}`);
  }
  if (o.idempotencyKey !== undefined && typeof o.idempotencyKey !== 'function') {
    throw new TypeError(`@Resilient: idempotencyKey must be a function of the method's arguments, got ${describe(o.idempotencyKey)}`);
  }
  if (o.repeatable !== undefined && typeof o.repeatable !== 'boolean') {
    throw new TypeError(`@Resilient: repeatable must be a boolean, got ${describe(o.repeatable)}`);
  }
  if (o.api !== undefined && !isApiName(o.api)) {
    throw new RangeError(`@Resilient: api must be 'track', 'app' or 'pipelines', got ${describe(o.api)}`);
  }
  return Object.freeze({
    api: o.api ?? RESILIENT_DEFAULTS.api,
    operation: o.operation,
    client: o.client,
    fallback: f,
    idempotencyKey: o.idempotencyKey as NormalizedResilientOptions['idempotencyKey'],
    repeatable: o.repeatable ?? RESILIENT_DEFAULTS.repeatable,
  });
}

/** Whether `value` has what `@Resilient()` needs of a client. */
export function isClientLike(value: unknown): value is CioClient {
  return hasClientMethods(value, ['run', 'registerReplay']);
}
