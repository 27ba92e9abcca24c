const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** `delay-seconds`; a decimal fraction and a minus sign are tolerated (a negative delay means now). */
const SECONDS = /^-?\d+(?:\.\d+)?$/;
/** IMF-fixdate, the preferred form: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = /^[a-z]{3},\s+(\d{2})\s+([a-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})\s+GMT$/i;
/** Obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC_850 = /^[a-z]{6,9},\s+(\d{2})-([a-z]{3})-(\d{2})\s+(\d{2}):(\d{2}):(\d{2})\s+GMT$/i;
/** Obsolete asctime form: `Sun Nov  6 08:49:37 1994`. */
const ASCTIME = /^[a-z]{3}\s+([a-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/i;

/**
 * Reads an HTTP `Retry-After` header as a delay in milliseconds.
 *
 * Accepts `delay-seconds` (`"120"`, and also a decimal such as `"1.5"`) and the three HTTP-date forms
 * of RFC 9110 (IMF-fixdate, RFC 850, asctime; all UTC). A negative delay or a date in the past gives `0`.
 *
 * @param value The header value; `undefined`, `null` or blank means none was sent.
 * @param now The current time in epoch milliseconds, to turn a date into a delay.
 * @returns The delay in whole milliseconds, or `undefined` when absent or not understood.
 */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (SECONDS.test(text)) return Math.max(0, Math.round(Number(text) * 1000));
  const date = parseHttpDate(text, now);
  return date === undefined ? undefined : Math.max(0, date - now);
}

/**
 * Limits a server-requested delay to what the caller is willing to wait.
 *
 * @returns `ms` clamped to `[0, maxMs]`; `0` for `NaN`.
 */
export function capRetryAfter(ms: number, maxMs: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, Math.max(0, maxMs));
}

/** Epoch milliseconds of an HTTP-date, or `undefined` when `text` is not one. */
function parseHttpDate(text: string, now: number): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) return utc(match[3], match[2], match[1], match[4], match[5], match[6]);
  match = RFC_850.exec(text);
  if (match !== null) return utc(String(fullYear(Number(match[3]), now)), match[2], match[1], match[4], match[5], match[6]);
  match = ASCTIME.exec(text);
  if (match !== null) return utc(match[6], match[1], match[2], match[3], match[4], match[5]);
  return undefined;
}

/** RFC 9110: a two-digit year more than 50 years in the future means the most recent past such year. */
function fullYear(twoDigits: number, now: number): number {
  const currentYear = new Date(now).getUTCFullYear();
  const year = currentYear - (currentYear % 100) + twoDigits;
  return year > currentYear + 50 ? year - 100 : year;
}

type Part = string | undefined;

function utc(year: Part, month: Part, day: Part, hour: Part, minute: Part, second: Part): number | undefined {
  const monthIndex = MONTHS.indexOf((month ?? '').toLowerCase());
  const [y, d, h, m, s] = [year, day, hour, minute, second].map(Number) as [number, number, number, number, number];
  if (monthIndex < 0 || d < 1 || h > 23 || m > 59 || s > 59) return undefined;
  const time = Date.UTC(y, monthIndex, d, h, m, s);
  return new Date(time).getUTCDate() === d ? time : undefined; // rejects 31 Feb and the like
}
