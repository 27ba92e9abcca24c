import type { CioClient, RunCallOptions, RunResult } from '../client/CioClient.js';
import { defaultLogger, type CioLogger } from '../client/logger.js';
import { CioConfigError, CioError } from '../errors/CioError.js';
import { getDefaultCioClient } from './defaultClient.js';
import { operationOf, type DecoratedMethod } from './decorated.js';
import { findNonJson, trimArgs } from './jsonArgs.js';
import { registerReplay } from './registry.js';
import { runAsync } from './runAsync.js';

type Outcome = { ok: true; value: unknown } | { ok: false; error: CioError };

/** Writes a log line; a logger that throws must not break the call. */
function log(logger: CioLogger, level: 'debug' | 'info' | 'warn', obj: object, msg: string): void {
  try {
    logger[level](obj, msg);
  } catch {
    /* ignore */
  }
}

function asCioError(err: unknown, operation: string): CioError {
  if (err instanceof CioError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CioError('UNKNOWN', `@Resilient ${operation}: ${message}`.slice(0, 300), false);
}

/**
 * One call of a `@Resilient()` method: runs the original under the client's policies
 * (`client.run`) and maps the result: the method's value when it ran (or when the call joined a
 * running one with its idempotency key), `undefined` for an earlier key's repeat or a queued call, else what the fallback says. Rejects only with `fallback: 'throw'`.
 */
export async function invokeResilient(method: DecoratedMethod, self: unknown, args: unknown[]): Promise<unknown> {
  const operation = operationOf(method, self);
  const options = method.options;
  const client = options.client ?? getDefaultCioClient();
  const logger = client?.logger ?? defaultLogger;
  let fallback = options.fallback;
  let outcome: Outcome;
  try {
    outcome = client
      ? await run(client, method, self, args, operation, logger, () => (fallback = undefined))
      : { ok: false, error: new CioConfigError(`@Resilient ${operation}: no Customer.io client; pass { client } or call setDefaultCioClient()`) };
  } catch (err) {
    outcome = { ok: false, error: asCioError(err, operation) };
  }
  if (outcome.ok) return outcome.value;
  const error = outcome.error;
  if (fallback === 'throw') throw error;
  if (typeof fallback === 'function') {
    try {
      return await fallback.call(self, error, ...args);
    } catch (err) {
      log(logger, 'warn', { operation, code: error.code, fallbackError: asCioError(err, operation).message }, `customerio-resilience: the fallback of ${operation} threw; resolved undefined`);
      return undefined;
    }
  }
  log(
    logger,
    'warn',
    { operation, code: error.code, retryable: error.retryable, ...(error.status === undefined ? {} : { status: error.status }) },
    `customerio-resilience: ${operation} failed (${error.code}: ${error.message}); resolved undefined`,
  );
  return undefined;
}

async function run(
  client: CioClient,
  method: DecoratedMethod,
  self: unknown,
  args: unknown[],
  operation: string,
  logger: CioLogger,
  useDefaultFallback: () => void,
): Promise<Outcome> {
  const o = method.options;
  if ((typeof self === 'object' && self !== null) || typeof self === 'function') {
    try {
      registerReplay(client, method, self, false);
    } catch (err) {
      // The call itself can still run; only a later replay would miss its handler.
      log(logger, 'warn', { operation, err: String(err).slice(0, 300) }, `customerio-resilience: could not register ${operation} for replay`);
    }
  }
  const stored = trimArgs(args);
  let queue = o.fallback === 'queue';
  if (queue) {
    const bad = findNonJson(stored);
    if (bad !== undefined) {
      queue = false;
      useDefaultFallback();
      log(logger, 'warn', { operation, argument: bad }, `customerio-resilience: ${operation} cannot be queued: its arguments are not JSON data (${bad}); on failure it resolves undefined`);
    }
  }
  const runOptions: RunCallOptions = { args: stored, queue, repeatable: o.repeatable, api: o.api };
  if (o.idempotencyKey) {
    const key = o.idempotencyKey(...args);
    if (typeof key !== 'string' || key === '') {
      return { ok: false, error: new CioConfigError(`@Resilient ${operation}: idempotencyKey must return a non-empty string, got ${typeof key === 'string' ? 'an empty string' : typeof key}`) };
    }
    runOptions.idempotencyKey = key;
  }
  const original = method.original;
  const result: RunResult<unknown> = await client.run(operation, () => runAsync(() => original.apply(self, args)), runOptions);
  switch (result.status) {
    case 'sent':
      return { ok: true, value: result.value };
    case 'queued':
      log(logger, 'info', { operation, code: result.error?.code }, `customerio-resilience: ${operation} queued for replay`);
      return { ok: true, value: undefined };
    case 'duplicate':
      // A call that joined one in flight with its key shares that execution's value; a repeat of
      // one that ran earlier (within the TTL) did not run and resolves undefined.
      log(logger, 'debug', { operation, idempotencyKey: result.idempotencyKey }, `customerio-resilience: ${operation} not run again: a call with the same idempotency key ran`);
      return { ok: true, value: result.value };
    default:
      return { ok: false, error: result.error ?? new CioError('UNKNOWN', `${operation} ended ${result.status}`, false) };
  }
}
