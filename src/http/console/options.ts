import { describeOption } from '../../internal/describe.js';

/**
 * Options of `cioConsoleRouter`. `Req` is what the guard is given: Express's `Request`, Koa's `Context`.
 */
export interface CioConsoleRouterOptions<Req> {
  /**
   * Required. Decides whether a request may use the console: its page, its JSON and its actions.
   * Answer `true` only for your operators (a signed-in admin, a VPN address, …). When it answers
   * `false` the router passes the request on as if the console did not exist (the app's own 404).
   * An error it throws goes to the app's error handling. Mounting without one throws.
   */
  guard: (req: Req) => boolean | Promise<boolean>;
  /**
   * Where the console lives, relative to where the router is mounted; the page is at `path` + `/`.
   * Express: `'/'`, for `app.use('/ops/customerio', cioConsoleRouter(cio, { guard }))`. Koa, which
   * has no mount paths: `'/ops/customerio'` (with `koa-mount`, set `'/'`).
   */
  path?: string;
  /** Shown as the page's heading and title, e.g. `'orders-api (production)'`. @default 'Customer.io' */
  title?: string;
  /**
   * Show the dead letters' arguments (attribute values, event data, message fields) in the page and
   * the JSON. Off by default: the console then shows the operation, the person, the reason, the
   * times and the attempts only. Credentials are never shown either way.
   * @default false
   */
  showValues?: boolean;
  /**
   * Origins allowed to post actions besides the console's own, e.g. `['https://admin.example.com']`
   * when a proxy changes the `Host` header. Each is `scheme://host[:port]`.
   * @default []
   */
  trustedOrigins?: readonly string[];
  /** How often the page refreshes itself, in ms (1 000 to 600 000). @default 5000 */
  refreshMs?: number;
  /** The window of the "recent" outcome counts, in ms (10 000 to 86 400 000). @default 300000 (5 minutes) */
  outcomeWindowMs?: number;
}

/** Defaults of {@link CioConsoleRouterOptions}. */
export const CONSOLE_DEFAULTS = Object.freeze({
  title: 'Customer.io',
  refreshMs: 5_000,
  outcomeWindowMs: 300_000,
});

/** {@link CioConsoleRouterOptions} after defaults and checks. */
export interface NormalizedConsoleOptions<Req> {
  guard: (req: Req) => boolean | Promise<boolean>;
  /** The console's base path without a trailing slash (`''` for the mount point itself). */
  base: string;
  title: string;
  showValues: boolean;
  trustedOrigins: ReadonlySet<string>;
  refreshMs: number;
  outcomeWindowMs: number;
}

const WHERE = 'cioConsoleRouter';

/** Why a guard is required, in the error a mount without one throws. */
const GUARD_REQUIRED =
  `${WHERE}: options.guard is required: a function (req) => boolean | Promise<boolean> that answers true only for your operators. ` +
  'The console shows dead letters and can re-drive or discard them, hold the circuits open and flush the queue, ' +
  'so without a guard anyone who can reach the app could. For a local demo: ' +
  "guard: (req) => ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress)";

function checkNumber(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${WHERE}: options.${name} must be a number of milliseconds, got ${describeOption(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${WHERE}: options.${name} must be a whole number from ${min} to ${max}, got ${describeOption(value)}`);
  }
  return value;
}

/** An origin as browsers send it: `scheme://host[:port]`, nothing else. */
function checkOrigin(value: unknown, i: number): string {
  const bad = () => new TypeError(`${WHERE}: options.trustedOrigins[${i}] must be an origin such as 'https://admin.example.com', got ${describeOption(value)}`);
  if (typeof value !== 'string') throw bad();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad();
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== value) throw bad();
  return value;
}

/** Applies defaults and validates eagerly; never changes the caller's object. */
export function normalizeConsoleOptions<Req>(options: CioConsoleRouterOptions<Req> | undefined, defaultPath: string): NormalizedConsoleOptions<Req> {
  if (options === undefined || options === null) throw new TypeError(GUARD_REQUIRED);
  if (typeof options !== 'object') throw new TypeError(`${WHERE}: options must be an object with a guard, got ${describeOption(options)}`);
  const { guard } = options;
  if (guard === undefined || guard === null) throw new TypeError(GUARD_REQUIRED);
  if (typeof guard !== 'function') throw new TypeError(`${GUARD_REQUIRED} (got ${describeOption(guard)})`);
  const path = options.path ?? defaultPath;
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s\\]/.test(path) || path.includes('//')) {
    throw new TypeError(`${WHERE}: options.path must be a path starting with '/' (no query), got ${describeOption(path)}`);
  }
  const title = options.title ?? CONSOLE_DEFAULTS.title;
  if (typeof title !== 'string' || title.trim() === '' || title.length > 200) {
    throw new TypeError(`${WHERE}: options.title must be a non-empty string of at most 200 characters, got ${describeOption(title)}`);
  }
  const showValues = options.showValues ?? false;
  if (typeof showValues !== 'boolean') throw new TypeError(`${WHERE}: options.showValues must be a boolean, got ${describeOption(showValues)}`);
  const origins = options.trustedOrigins ?? [];
  if (!Array.isArray(origins)) throw new TypeError(`${WHERE}: options.trustedOrigins must be an array of origins, got ${describeOption(origins)}`);
  const trustedOrigins = new Set(origins.map(checkOrigin));
  return {
    guard,
    base: path.replace(/\/+$/, ''),
    title,
    showValues,
    trustedOrigins,
    refreshMs: checkNumber('refreshMs', options.refreshMs, CONSOLE_DEFAULTS.refreshMs, 1_000, 600_000),
    outcomeWindowMs: checkNumber('outcomeWindowMs', options.outcomeWindowMs, CONSOLE_DEFAULTS.outcomeWindowMs, 10_000, 86_400_000),
  };
}
