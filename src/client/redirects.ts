import { AsyncLocalStorage } from 'node:async_hooks';
import { CioHttpError } from '../errors/CioError.js';

/** Redirects followed per request before it is refused (browsers allow 20; Customer.io needs at most one). */
export const MAX_REDIRECTS = 5;

/** What customerio-node's request layer passes from one hop to the next. */
interface HopOptions {
  uri: string;
  [key: string]: unknown;
}

/** The one request in flight on this async path: where it is and how many hops it took. */
interface Hops {
  uri: string | undefined;
  count: number;
}

const current = new AsyncLocalStorage<Hops>();

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
    return current.run({ uri: undefined, count: 0 }, () => handler.call(this, options, ...rest));
  };
  request.execute = function (this: SdkRequest, options: HopOptions) {
    const hops = current.getStore();
    if (hops === undefined) return execute.call(this, options);
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
