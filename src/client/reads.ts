import type { CioError } from '../errors/CioError.js';
import { CioValidationError } from '../errors/CioError.js';
import { describeType } from '../internal/describe.js';
import { isAppRead } from '../operations/reads.js';
import type { SdkClients } from '../operations/spec.js';
import { requireApp } from '../operations/transactional.js';
import type { Pipeline } from '../policies/pipeline.js';
import { TokenBucket } from '../policies/rateLimiter.js';
import { checkSerialisable } from '../validation/checkSerialisable.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { Calls } from './calls.js';
import type { RunResult } from './CioClient.js';

/** What {@link AppReads} needs from its client. */
export interface AppReadsDeps {
  /** The App API's policies. */
  app: Pipeline;
  sdk: SdkClients;
  calls: Calls;
  /** The reads' own rate limit, on top of the App API's, or `false`. */
  limit: { perSecond: number; burst: number } | false;
  /** Reports a read's retries (undefined when nobody listens). */
  onRetry(operation: string): ((attempt: number, delayMs: number, error: CioError) => void) | undefined;
  tracing: Tracing | undefined;
}

/**
 * App API reads (`client.read()`): any `get…`, `list…`, `search…`, `find…` or `downloadExport` of
 * the SDK's `APIClient`, under the App API's policies and the reads' own rate limit; never queued,
 * never guarded by a key (a read changes nothing, so a retry is always safe).
 */
export class AppReads {
  readonly #d: AppReadsDeps;
  readonly #limit: TokenBucket | undefined;

  constructor(deps: AppReadsDeps) {
    this.#d = deps;
    this.#limit = deps.limit ? new TokenBucket(deps.limit) : undefined;
  }

  read(method: unknown, args: readonly unknown[]): Promise<RunResult<unknown>> {
    const calls = this.#d.calls;
    const name = typeof method === 'string' ? method : '';
    const known = isAppRead(name);
    const trace = this.#d.tracing?.call(known ? name : 'read', 'app', this.#d.app.circuitState);
    if (!known) {
      const error = new CioValidationError('method', `read: ${describeType(method)} is not a read of customerio-node's APIClient (a get…, list…, search…, find… method or downloadExport)`);
      return Promise.resolve(calls.finish({ status: 'rejected', operation: 'read', idempotencyKey: '', attempts: 0, error }, undefined, { trace, api: 'app' }));
    }
    const invalid = args.reduce<CioValidationError | null>((found, arg, i) => found ?? checkSerialisable(arg, `args[${i}]`, name), null);
    if (invalid) return Promise.resolve(calls.finish({ status: 'rejected', operation: name, idempotencyKey: '', attempts: 0, error: invalid }, undefined, { trace, api: 'app' }));
    const copy = [...args];
    const sdk = this.#d.sdk;
    const send = () =>
      this.#d.app.run(() => Reflect.apply(Reflect.get(requireApp(sdk), name) as (...a: unknown[]) => Promise<unknown>, sdk.app, copy), {
        repeatable: true,
        canDefer: false,
        onRetry: this.#d.onRetry(name),
        limit: this.#limit,
        trace,
      });
    return calls.guarded(name, undefined, send, { storable: undefined, repeatable: true, reportedKey: '', explicitKey: false, keepValue: true, trace, api: 'app' });
  }

  /** Releases the rate limiter (reads waiting for a token are refused). */
  close(): void {
    this.#limit?.close();
  }
}
