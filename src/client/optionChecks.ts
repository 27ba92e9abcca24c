import type { NormalizedOptions } from './options.js';
import type { ConsecutiveBreakerOptions, RateLimitOptions, SamplingBreakerOptions } from '../policies/settings.js';
import { describeOption as describe } from '../internal/describe.js';
import { DEFAULTS } from './defaults.js';

/*
 * The checks `normalizeOptions` builds the options from: each reads one option, applies its
 * default, and throws a TypeError or RangeError naming the option, what was expected and what came
 * (never the value of a credential or a header).
 */

export function num(name: string, value: unknown, fallback: number, { min = 0, integer = false, exclusiveMin = false } = {}): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (exclusiveMin ? value > min : value >= min) &&
    (!integer || Number.isInteger(value));
  if (!ok) {
    const what = `${integer ? 'a whole number' : 'a finite number'} ${exclusiveMin ? '>' : '>='} ${min}`;
    const Err = typeof value === 'number' ? RangeError : TypeError;
    throw new Err(`createCioClient: ${name} must be ${what}, got ${describe(value)}`);
  }
  return value;
}

export function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`createCioClient: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

export function str(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new TypeError(`createCioClient: ${name} must be a string, got ${typeof value}`);
  return value;
}

export function url(name: string, value: unknown): string | undefined {
  const s = str(name, value);
  if (s === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(s);
  } catch {
    throw new TypeError(`createCioClient: ${name} must be an absolute http(s) URL, got ${describe(s)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`createCioClient: ${name} must use http: or https:, got ${describe(parsed.protocol)}`);
  }
  if (parsed.username || parsed.password) {
    throw new TypeError(`createCioClient: ${name} must not contain a user name or password (pass credentials as options), got a URL with them`);
  }
  return s.replace(/\/+$/, '');
}

export function obj<T extends object>(name: string, value: unknown): Partial<T> | false | undefined {
  if (value === undefined || value === false) return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`createCioClient: ${name} must be an object or false, got ${describe(value)}`);
  }
  return value as Partial<T>;
}

/** An undici `Dispatcher`: an object with a `dispatch` method. */
export function dispatcherOf(value: unknown): object | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as { dispatch?: unknown }).dispatch !== 'function') {
    throw new TypeError(`createCioClient: dispatcher must be an undici Dispatcher (an Agent, a ProxyAgent …), got ${describe(value)}`);
  }
  return value;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
/** Headers the SDK sets itself: given here they would be overwritten, so they are refused. */
const SDK_HEADERS = new Set(['authorization', 'content-type', 'content-length', 'user-agent']);

/** Extra headers: a record of header names to string values (a copy); values are never shown in errors. */
export function headersOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`createCioClient: headers must be an object of header names to strings, got ${describe(value)}`);
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`createCioClient: headers: ${describe(name)} is not an HTTP header name`);
    if (SDK_HEADERS.has(name.toLowerCase())) throw new RangeError(`createCioClient: headers.${name} is set by the SDK itself and cannot be given`);
    if (typeof v !== 'string' || /[\r\n\0]/.test(v)) throw new TypeError(`createCioClient: headers.${name} must be a string without line breaks (its value is not shown)`);
    out[name] = v;
  }
  return out;
}

/** A breaker option (top-level or an API's), normalized. */
export function breakerOf(name: string, value: unknown): NormalizedOptions['breaker'] {
  const breakerIn = obj<ConsecutiveBreakerOptions & Partial<SamplingBreakerOptions>>(name, value);
  if (breakerIn === false) return false;
  const halfOpenAfterMs = num(`${name}.halfOpenAfterMs`, breakerIn?.halfOpenAfterMs, DEFAULTS.breaker.halfOpenAfterMs);
  if (breakerIn?.sampling) {
    const threshold = num(`${name}.threshold`, breakerIn.threshold, Number.NaN, { min: 0, exclusiveMin: true });
    if (!(threshold < 1)) throw new RangeError(`createCioClient: ${name}.threshold (sampling) must be a rate between 0 and 1, got ${threshold}`);
    return {
      kind: 'sampling',
      threshold,
      durationMs: num(`${name}.durationMs`, breakerIn.durationMs, DEFAULTS.breaker.durationMs, { min: 0, exclusiveMin: true }),
      minimumRps: num(`${name}.minimumRps`, breakerIn.minimumRps, DEFAULTS.breaker.minimumRps, { min: 0, exclusiveMin: true }),
      halfOpenAfterMs,
    };
  }
  return {
    kind: 'consecutive',
    threshold: num(`${name}.threshold`, breakerIn?.threshold, DEFAULTS.breaker.threshold, { min: 1, integer: true }),
    halfOpenAfterMs,
  };
}

/** A rate limit option (top-level or an API's), normalized. */
export function rateLimitOf(name: string, value: unknown, defaultPerSecond: number): NormalizedOptions['rateLimit'] {
  const rateIn = obj<RateLimitOptions>(name, value);
  if (rateIn === false) return false;
  const perSecond = num(`${name}.perSecond`, rateIn?.perSecond, defaultPerSecond, { min: 0, exclusiveMin: true });
  return {
    perSecond,
    burst: num(`${name}.burst`, rateIn?.burst, Math.max(1, perSecond), { min: 1 }),
    maxWaitMs: num(`${name}.maxWaitMs`, rateIn?.maxWaitMs, DEFAULTS.rateLimit.maxWaitMs),
  };
}
