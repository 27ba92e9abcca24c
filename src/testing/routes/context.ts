import type { Reply } from '../http.js';
import type { EmulatorState } from '../state.js';
import type { CioApi } from '../types.js';

/** What a route handler gets. */
export interface RouteContext {
  /** Decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** Query string parameters (last value wins). */
  readonly query: Readonly<Record<string, string>>;
  /** Parsed JSON body (`null` when empty). */
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
  /** The handler. */
  readonly handler: Handler;
}
