import { TaskCancelledError } from 'cockatiel';
import { CioConfigError, CioError, CioHttpError, CioNetworkError } from '../errors/CioError.js';
import { parseRetryAfter } from './retryAfter.js';
import type { Redactor } from './redact.js';

/** Network error codes after which the request surely never reached Customer.io. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
/**
 * Node.js and undici error codes of a connection that failed or broke, as fetch, `node:http`,
 * database drivers and most HTTP libraries report them (on the error or its `cause`).
 */
const NETWORK_CODES = new Set([
  ...NOT_SENT_CODES, 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE',
  'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);
/** Statuses that Customer.io (or a proxy before it) answers when the request did not take effect. */
const NOT_APPLIED_STATUSES = new Set([429, 503]);

interface SdkRequestError {
  statusCode: number;
  body?: string;
  message: string;
  response?: { headers?: Record<string, string> };
}

function isSdkRequestError(err: unknown): err is SdkRequestError {
  return err instanceof Error && err.name === 'CustomerIORequestError' && 'statusCode' in err && typeof err.statusCode === 'number';
}

function causeCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 4 && cur && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A short name for the statuses Customer.io answers, for messages. */
function statusText(status: number): string {
  const names: Record<number, string> = {
    400: 'Bad Request', 401: 'Unauthorized (check the credentials)', 403: 'Forbidden', 404: 'Not Found',
    408: 'Request Timeout', 413: 'Payload Too Large', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
    500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  };
  const name = names[status];
  return name ? ` (${name})` : '';
}

/** Whether an HTTP status is worth retrying: 408, 429 and 5xx. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Turns whatever the SDK threw into a typed {@link CioError} that knows Customer.io:
 * 408/429/5xx and network failures are transient, other 4xx permanent, a non-JSON error
 * body (a proxy's HTML page) transient, an invalid URL a configuration error.
 * Messages are passed through `redact` and never include response bodies.
 */
export function classifyError(err: unknown, redact: Redactor): CioError {
  if (err instanceof CioError) return err;
  if (isSdkRequestError(err)) {
    const status = err.statusCode;
    const transient = isTransientStatus(status);
    const retryAfterRaw = err.response?.headers?.['retry-after'];
    const retryAfterMs = parseRetryAfter(retryAfterRaw);
    // Customer.io's own message may quote the payload: it stays out of the error's message (which
    // is logged) and is kept, credential-free, on `serverMessage` for an app that wants it.
    const serverMessage = err.message && err.message !== 'Unknown error' ? redact(err.message).slice(0, 500) : undefined;
    return new CioHttpError(transient ? 'TRANSIENT' : 'PERMANENT', `Customer.io answered ${status}${statusText(status)}`, transient, {
      serverMessage,
      status,
      retryAfterMs, // the pipeline decides what it waits (retry.maxRetryAfterMs) and what it queues
      maybeDelivered: !NOT_APPLIED_STATUSES.has(status) && transient,
    });
  }
  if (err instanceof Error && err.message.startsWith('Unable to parse JSON')) {
    // A proxy or load balancer answered with a non-JSON page (e.g. an HTML 502): the SDK lost the status.
    return new CioHttpError('TRANSIENT', 'Customer.io (or a proxy in front of it) answered with a non-JSON error page', true, {
      maybeDelivered: true,
    });
  }
  const name = err instanceof Error || err instanceof DOMException ? err.name : '';
  if (err instanceof TaskCancelledError || name === 'TimeoutError' || name === 'AbortError') {
    return new CioNetworkError('TIMEOUT', 'The request to Customer.io timed out', true, { maybeDelivered: true });
  }
  const code = causeCode(err);
  if (code === 'ERR_INVALID_URL' || (err instanceof TypeError && /Invalid URL/i.test(err.message))) {
    return new CioConfigError('The Customer.io URL is invalid; check trackUrl/appUrl/region');
  }
  if ((err instanceof TypeError && (err.message === 'fetch failed' || code !== undefined)) || (code !== undefined && NETWORK_CODES.has(code))) {
    const notSent = code !== undefined && NOT_SENT_CODES.has(code);
    return new CioNetworkError('NETWORK', `Could not reach Customer.io${code ? ` (${code})` : ''}`, true, {
      maybeDelivered: !notSent,
    });
  }
  if (err instanceof Error && err.name === 'MissingParamError') {
    return new CioError('INVALID_INPUT', redact(err.message), false);
  }
  if (err instanceof Error && (err.name === 'MissingAppKeyError' || err.name === 'MissingPipelinesKeyError')) {
    return new CioConfigError(err.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CioError('UNKNOWN', redact(message).slice(0, 300), false);
}
