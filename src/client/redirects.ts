import { CioHttpError } from '../errors/CioError.js';

/** Redirects followed per request before it is refused (browsers allow 20; Customer.io needs at most one). */
export const MAX_REDIRECTS = 5;

/** What customerio-node's request layer passes from one hop to the next. */
interface HopOptions {
  uri: string;
  headers?: Record<string, unknown> | undefined;
  [key: string]: unknown;
}

/** One request: where it is and how many hops it took. */
interface Hops {
  uri: string | undefined;
  count: number;
}

/**
 * The hops of each request, by its headers object: the SDK hands the same object to every hop of a
 * request (a copy without `Authorization` once a hop leaves `*.customer.io`; that copy then starts
 * its own count, so a loop is still cut, one hop later). Not an AsyncLocalStorage: one of those
 * turns on Node.js's promise hooks for the whole process, ~2 µs per request of an Express app in
 * the host benchmark's profile.
 */
const hopsOf = new WeakMap<object, Hops>();

/** The SDK's request object, as far as this guard uses it (its `handler` and private `execute`). */
interface SdkRequest {
  handler(options: HopOptions, ...rest: unknown[]): Promise<unknown>;
}

/**
 * Bounds the redirects an SDK client follows. customerio-node follows 301/302/307/308 itself, with
 * no hop limit and a fresh timeout per hop, and passes a relative `Location` to fetch as is (an
 * "Invalid URL"). Behind a misconfigured proxy (`301 Location: <the same URL>`) a call never ends and
 * sends thousands of requests a second. This wraps the client's request layer: each request counts
 * its hops, resolves a relative `Location` against the URL it came from, and after
 * {@link MAX_REDIRECTS} is refused with a transient error (nothing was applied; the call is queued).
 */
export function guardRedirects(client: { request: unknown }): void {
  const request = client.request as SdkRequest & { execute?: (options: HopOptions) => Promise<unknown> };
  const handler = request.handler;
  const execute = request.execute;
  if (typeof handler !== 'function' || typeof execute !== 'function') {
    throw new TypeError('customerio-resilience: this customerio-node version has no request handler/execute to guard redirects on');
  }
  request.handler = function (this: SdkRequest, options: HopOptions, ...rest: unknown[]) {
    const headers = { ...options.headers };
    hopsOf.set(headers, { uri: undefined, count: 0 });
    return handler.call(this, { ...options, headers }, ...rest);
  };
  request.execute = function (this: SdkRequest, options: HopOptions) {
    const headers = options.headers;
    if (headers === undefined) return execute.call(this, options);
    let hops = hopsOf.get(headers);
    if (hops === undefined) {
      // A hop that left *.customer.io: the SDK dropped `Authorization` from a copy of the headers.
      hops = { uri: undefined, count: 1 };
      hopsOf.set(headers, hops);
    }
    if (hops.uri !== undefined) {
      // A redirect: the SDK calls execute again with the Location it was given.
      if (++hops.count > MAX_REDIRECTS) {
        return Promise.reject(
          new CioHttpError('TRANSIENT', `Customer.io (or a proxy in front of it) redirected more than ${MAX_REDIRECTS} times: a redirect loop`, true, {
            maybeDelivered: false,
          }),
        );
      }
      let uri: string;
      try {
        uri = new URL(options.uri, hops.uri).href;
      } catch {
        uri = options.uri; // fetch reports what it cannot use
      }
      options = uri === options.uri ? options : { ...options, uri };
    }
    hops.uri = options.uri;
    return execute.call(this, options);
  };
}
