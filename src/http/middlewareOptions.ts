import type { CioClient } from '../client/CioClient.js';
import { assertClient } from './assertClient.js';
import { describeOption } from '../internal/describe.js';

/**
 * Options of `cioMiddleware`. `Req` is what the hooks are given: Express's `Request`, Koa's `Context`.
 */
export interface CioMiddlewareOptions<Req> {
  /** The client the request-scoped calls are handed to once the response has finished. */
  client: CioClient;
  /**
   * Gives the person a request is about (for example `(req) => req.user?.id`), read each time
   * `req.cio.personId` / `ctx.cio.personId` is read, so it sees what later middleware set.
   * A hook that throws reads as `undefined` (and is logged).
   * @default undefined (no person id)
   */
  personId?: (req: Req) => string | undefined;
  /**
   * Request header whose value scopes the idempotency keys of the request's calls, or `false` to
   * ignore it. Case-insensitive.
   * @default 'idempotency-key'
   */
  idempotencyHeader?: string | false;
  /**
   * The serverless platform's `waitUntil(promise)` (Vercel's `waitUntil` from `@vercel/functions`,
   * Cloudflare's `ctx.waitUntil`, …): called once per request that makes a call, with a promise that
   * settles when the request's calls were delivered after the response, so the platform keeps the
   * function alive until then. Never rejects.
   * @default undefined
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** Defaults of {@link CioMiddlewareOptions}. */
export const MIDDLEWARE_DEFAULTS = Object.freeze({ idempotencyHeader: 'idempotency-key' as const });

/** {@link CioMiddlewareOptions} after defaults and checks. */
export interface NormalizedMiddlewareOptions<Req> {
  client: CioClient;
  personId: ((req: Req) => string | undefined) | undefined;
  /** Lower-case header name, or `undefined` when header scoping is off. */
  idempotencyHeader: string | undefined;
  waitUntil: ((promise: Promise<unknown>) => void) | undefined;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/** Applies defaults and validates eagerly; never changes the caller's object. */
export function normalizeMiddlewareOptions<Req>(options: CioMiddlewareOptions<Req>): NormalizedMiddlewareOptions<Req> {
  const where = 'cioMiddleware';
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object with a client, got ${describeOption(options)}`);
  }
  assertClient(where, 'options.client', options.client);
  const { personId } = options;
  if (personId !== undefined && typeof personId !== 'function') {
    throw new TypeError(`${where}: options.personId must be a function (req) => string | undefined, got ${describeOption(personId)}`);
  }
  const header = options.idempotencyHeader ?? MIDDLEWARE_DEFAULTS.idempotencyHeader;
  if (header !== false && (typeof header !== 'string' || !HEADER_NAME.test(header))) {
    throw new TypeError(`${where}: options.idempotencyHeader must be an HTTP header name or false, got ${describeOption(header)}`);
  }
  const { waitUntil } = options;
  if (waitUntil !== undefined && typeof waitUntil !== 'function') {
    throw new TypeError(`${where}: options.waitUntil must be a function (promise) => void, got ${describeOption(waitUntil)}`);
  }
  return {
    client: options.client,
    personId,
    waitUntil,
    idempotencyHeader: header === false ? undefined : header.toLowerCase(),
  };
}
