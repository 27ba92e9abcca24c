import type { CioLogger } from './logger.js';
import type { CioEvents, Unsubscribe } from './events.js';
import type { CioHealth, CioResult, DrainOptions, FlushResult } from './types.js';
import type { DeadLetter } from '../queue/store.js';

import type { CioOperations, CioPipelines } from '../operations/types.js';
import type { AppReadArgs, AppReadName, AppReadValue } from '../operations/reads.js';

export type { AppReadArgs, AppReadName, AppReadValue };

export type { CioData, CioEventData, CioOperations, IdentifierType, TransactionalRequest } from '../operations/types.js';

/** Options of {@link CioClient.run}. */
export interface RunCallOptions {
  /** Idempotency key of the call: a run with a key that ran within the TTL does not run again, and runs with one key at once run once. Default: none (every run runs). */
  idempotencyKey?: string;
  /** Arguments to keep if the call is queued: they are passed to the replay handler registered under the operation's name. */
  args?: readonly unknown[];
  /** Whether a repeat after an ambiguous failure is harmless. @default true */
  repeatable?: boolean;
  /** Whether a transient failure may be queued for replay (needs a replay handler). @default false */
  queue?: boolean;
  /**
   * The API whose breaker and rate limit the call runs under: `'app'` for an App API call the client
   * does not wrap (a management call through `client.app` of customerio-node), so an outage of the
   * Track API does not refuse it. @default 'track'
   */
  api?: ApiName;
}

import type { ApiName } from '../operations/spec.js';

/** How a custom operation's queued calls are replayed. */
export interface ReplayOptions {
  /** Whether a repeat after an ambiguous failure is harmless. @default true */
  repeatable?: boolean;
  /** The API whose breaker and rate limit its replays run under (as `run()`'s `api`). @default 'track' */
  api?: ApiName;
}

/** What {@link CioClient.run} resolves to: a {@link CioResult} plus the function's value when it ran. */
export type RunResult<T> = CioResult & { value?: T };

export type { ReplayHandler } from '../delivery/replayer.js';
import type { ReplayHandler } from '../delivery/replayer.js';

/** The resilient Customer.io client. Its methods never reject and never throw. */
export interface CioClient extends CioOperations {
  /**
   * The Data Pipelines operations (customerio-node's `PipelinesClient`: identify, track, page,
   * screen, group, alias, batch), under the Pipelines API's own breaker and rate limit, with the
   * same queue, batching and exactly-once replay (its `messageId` is the event id). Needs a write key.
   */
  readonly pipelines: CioPipelines;
  /** Circuit state, failure figures and queue figures. */
  health(): CioHealth;
  /** Delivers what is queued, while Customer.io allows, within `timeoutMs`. */
  flush(options?: DrainOptions): Promise<FlushResult>;
  /**
   * Graceful shutdown: stops taking work, finishes in-flight calls, drains within `timeoutMs`,
   * persists the rest (durable stores), releases timers, and closes the queue and idempotency
   * stores the client was given (their connections too). Safe to call twice.
   */
  close(options?: DrainOptions): Promise<FlushResult>;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof CioEvents>(event: K, listener: (payload: CioEvents[K]) => void): Unsubscribe;
  /** Subscribes for one emission. */
  once<K extends keyof CioEvents>(event: K, listener: (payload: CioEvents[K]) => void): Unsubscribe;
  /** Unsubscribes. */
  off<K extends keyof CioEvents>(event: K, listener: (payload: CioEvents[K]) => void): void;
  /**
   * Runs any function under this client's policies (rate limit, retry, circuit breaker, timeout)
   * and idempotency guard, as the `@Resilient()` decorator does. Never rejects.
   */
  run<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, options?: RunCallOptions): Promise<RunResult<T>>;
  /**
   * Runs one App API read of customerio-node's `APIClient` (`getCustomersByEmail`, `listSegments`,
   * `searchCustomers`, `getExport` … any `get…`, `list…`, `search…`, `find…` or `downloadExport`)
   * with its arguments, under the App API's attempt timeout, retries, breaker and rate limit (plus
   * Customer.io's 10 requests/s for reads). Never queued, never de-duplicated. Resolves `sent` with
   * the answer in `value`; `rejected` for an unknown read or a permanent 4xx (a 404 too); `failed`
   * (code `CONFIG`) without an App API key, or after transient failures. Never rejects.
   */
  read<N extends AppReadName>(method: N, ...args: AppReadArgs<N>): Promise<RunResult<AppReadValue<N>>>;
  /**
   * Registers how to replay queued calls of a custom operation (used by `@Resilient({ fallback: 'queue' })`).
   * `repeatable: false` (default true) makes replays at-most-once like the client's own sends.
   */
  registerReplay(operation: string, handler: ReplayHandler, options?: ReplayOptions): void;
  /** Dead letters: operations set aside after a permanent or ambiguous failure. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Puts dead letters (the given ids, or all) back in the queue; resolves how many moved. */
  redrive(ids?: readonly string[]): Promise<number>;
  /** Deletes the given dead letters for good (they will not be sent); resolves how many were deleted. */
  discardDeadLetters(ids: readonly string[]): Promise<number>;
  /** Holds the circuit open (state `ISOLATED`) until the handle is disposed. */
  isolate(): { dispose(): void };
  /** The logger the client writes to. */
  readonly logger: CioLogger;
  /** True once `close()` was called. */
  readonly closed: boolean;
}
