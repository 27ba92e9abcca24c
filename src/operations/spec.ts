import type { APIClient, PipelinesClient, TrackClient } from 'customerio-node';
import type { CioValidationError } from '../errors/CioError.js';
import type { OperationArgs, OperationName } from './types.js';

/** The Customer.io APIs the client calls, each with its own circuit breaker and rate limit. */
export type ApiName = 'track' | 'app' | 'pipelines';

/** Every API, each with its own breaker and rate limit. */
export const API_NAMES: readonly ApiName[] = Object.freeze(['track', 'app', 'pipelines']);

/** Whether `value` names an API. */
export function isApiName(value: unknown): value is ApiName {
  return typeof value === 'string' && (API_NAMES as readonly string[]).includes(value);
}

/** The SDK clients an operation may run on (the App and Pipelines ones only when given their keys). */
export interface SdkClients {
  track: TrackClient;
  app: APIClient | undefined;
  pipelines: PipelinesClient | undefined;
}

type Obj = Record<string, unknown>;

/** One name per parameter of operation `N`, in order: the compiler checks the count against {@link OperationArgs}. */
export type ParamNames<N extends OperationName> = NamesOf<OperationArgs<N>>;
type NamesOf<T> = { readonly [I in keyof T]: string };

/**
 * Everything the package knows of one Customer.io operation, in one place: the client, the request
 * scope, the delivery path, the queue stores and the validation all read it from here.
 */
export interface OperationSpec<N extends OperationName = OperationName> {
  /** Which API (and credentials) it uses. */
  readonly api: ApiName;
  /** Its parameters as customerio-node names them (their count is the arity); the roots of field paths in validation errors. */
  readonly params: ParamNames<N>;
  /** Checks arguments already known to be JSON data (see `validateCall`); the first violation, or `null`. */
  check(operation: string, args: readonly unknown[]): CioValidationError | null;
  /**
   * Whether a repeat is harmless: Customer.io drops a repeated event (by its ULID) and upserts and
   * deletes end in the same state. Sends and broadcasts are not: a repeat sends again.
   */
  readonly repeatable: boolean;
  /**
   * Whether it is one of a person's ordered updates (an upsert or delete on the Track API, or a
   * change of a segment's members): the ordered updates of one key are delivered in call order, and
   * a later one waits behind an earlier one still queued.
   */
  readonly ordered: boolean;
  /**
   * The person (or anonymous visitor, object, segment) the operation is about, `''` for none: the
   * key its order is kept by.
   */
  personKey(args: readonly unknown[]): string;
  /**
   * For an event: the arguments with the event's ULID `id` set (a copy; the caller's objects are not
   * changed) unless the caller gave one, and the id it carries. An operation that carries an event
   * only in some calls (`entity`) answers the others with their arguments and an id of `''`.
   */
  withEventId?(args: readonly unknown[], id: string): { args: unknown[]; id: string };
  /** For an event: the id its (stored) arguments carry, if any. */
  eventIdIn?(args: readonly unknown[]): unknown;
  /**
   * The item its API's batch route carries for a call made at `madeAt` (ms since the epoch;
   * `undefined` for a live call): a Track v2 batch operation, or a Data Pipelines batch message. Or
   * `undefined` when this call must go on its own route. Absent: never batched.
   */
  readonly batch?: ((args: readonly unknown[], madeAt: number | undefined) => Obj | undefined) | undefined;
  /**
   * The arguments as a queue keeps them (JSON data, replayed as they are): the message of a
   * transactional request, no trailing `undefined`, events stamped with the time they were made.
   */
  stored(args: readonly unknown[], madeAt: number): unknown[];
  /**
   * The operation's own rate limit on top of its API's, as Customer.io publishes it for its route
   * (API-triggered broadcasts: 1 request per 10 s). Absent: its API's alone.
   */
  readonly ownRateLimit?: { readonly perSecond: number; readonly burst: number } | undefined;
  /** Calls the SDK. May throw synchronously (the SDK's MissingParamError). */
  invoke(sdk: SdkClients, args: readonly unknown[]): Promise<unknown>;
}

/** The table of every operation: each entry checked against the spec of its own name. */
export type OperationTable = { readonly [N in OperationName]: OperationSpec<N> };
