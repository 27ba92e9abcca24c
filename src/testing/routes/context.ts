import type { Reply } from '../http.js';
import type { EmulatorState } from '../state.js';
import type { AuthState, CioApi } from '../types.js';

/** What a route handler gets. */
export interface RouteContext {
  /** Decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** Query string parameters (last value wins). */
  readonly query: Readonly<Record<string, string>>;
  /**
   * Parsed JSON body (`null` when empty). `undefined` when the body is not JSON: only a route that
   * `checksItself` sees that (the others are answered 400 first).
   */
  readonly body: unknown;
  /** Raw body size in bytes. */
  readonly bodyBytes: number;
  /** `seq` of the request being served. */
  readonly requestSeq: number;
  /** The emulator's memory. */
  readonly state: EmulatorState;
  /** The emulator clock (ms since the epoch). */
  readonly now: () => number;
  /** Site id (echoed by the region route). */
  readonly siteId: string;
  /** Region (echoed by the region route). */
  readonly region: 'us' | 'eu';
  /** How the request authenticated (a route that `checksItself` decides what to do about it). */
  readonly auth: AuthState;
  /** Whether the request carries `X-Strict-Mode: 1` (Data Pipelines). */
  readonly strict: boolean;
}

/** A route handler: validate, apply to the state, answer. Synchronous by design. */
export type Handler = (ctx: RouteContext) => Reply;

/** One entry of the route table. */
export interface Route {
  /** HTTP method. */
  readonly method: string;
  /** Path pattern; named groups become params. */
  readonly pattern: RegExp;
  /** API the route belongs to. */
  readonly api: Exclude<CioApi, 'unknown'>;
  /** Operation name, possibly depending on the body (`track` vs `trackPageView`). */
  readonly operation: string | ((body: unknown) => string);
  /**
   * `true` for a route Customer.io serves without authentication (its OpenAPI `security: []`): any
   * `Authorization` header, wrong or missing, is ignored (still recorded as `auth`). Default: required.
   */
  readonly noAuth?: true;
  /**
   * `true` for a route that answers wrong or missing credentials and a body that is not JSON itself
   * (the Data Pipelines routes: Customer.io answers them 200 unless strict mode is asked for). Bodies
   * over the emulator's read limit are still answered 413 first.
   */
  readonly checksItself?: true;
  /** The handler. */
  readonly handler: Handler;
}
