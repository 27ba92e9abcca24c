import type { IncomingHttpHeaders } from 'node:http';

/**
 * The console's Content-Security-Policy: nothing but its own script, style and JSON, no inline code,
 * no frames, no forms to elsewhere. The page is built to work under it (its script and style are
 * served by the router itself; it writes the DOM with `textContent`).
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Headers every answer of the console carries, errors included. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});

/** One header's value (the first, when repeated). */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Why a state-changing request must be refused as cross-origin, or `undefined` to let it through.
 * The rules of Go's `http.CrossOriginProtection`:
 *
 * - `Sec-Fetch-Site` (sent by every current browser) must be `same-origin` (or `none`: typed or
 *   bookmarked by the user);
 * - without it, an `Origin` header must name this host (or a trusted origin);
 * - a request with neither comes from no browser (curl, a script), so no other site can have made
 *   the user's browser send it.
 */
export function crossOriginRefusal(headers: IncomingHttpHeaders, trustedOrigins: ReadonlySet<string>): string | undefined {
  const origin = header(headers, 'origin');
  if (origin !== undefined && trustedOrigins.has(origin)) return undefined;
  const site = header(headers, 'sec-fetch-site');
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none' ? undefined : 'cross-origin request refused (Sec-Fetch-Site is not same-origin)';
  }
  if (origin === undefined) return undefined;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== undefined && host !== '' && host === header(headers, 'host')) return undefined;
  return 'cross-origin request refused (Origin does not match Host)';
}

/**
 * Whether a request's body is declared JSON. A cross-site page can post a form or a `no-cors` fetch
 * only as `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data`; JSON needs a
 * CORS preflight, which the console never grants.
 */
export function isJsonContentType(headers: IncomingHttpHeaders): boolean {
  const type = header(headers, 'content-type');
  if (type === undefined) return false;
  return type.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
