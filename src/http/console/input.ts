import type { IncomingMessage } from 'node:http';

/** A request the console refuses for its input: answered with `status` and the message (which never quotes the input). */
export class ConsoleInputError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ConsoleInputError';
    this.status = status;
  }
}

/** Largest body an action takes, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Most dead letters one re-drive names. */
export const MAX_IDS = 1_000;
/** Most dead letters one listing returns, and how many when not told. */
export const MAX_LIST = 1_000;
export const DEFAULT_LIST = 100;
/** Longest flush an operator may ask for, and the default. */
export const MAX_FLUSH_MS = 60_000;
export const DEFAULT_FLUSH_MS = 10_000;

/** A dead letter's id: what the stores hand out (ULIDs), never markup or a path. */
const ID = /^[0-9A-Za-z_-]{1,64}$/;

const bad = (message: string): ConsoleInputError => new ConsoleInputError(400, message);

/**
 * The JSON body of an action: what a body parser of the app already read (`parsed`, when not
 * `undefined`), else read from the stream, at most {@link MAX_BODY_BYTES}. An empty body reads as `{}`.
 */
export async function readJsonBody(req: IncomingMessage, parsed: unknown): Promise<unknown> {
  if (parsed !== undefined) return parsed;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw new ConsoleInputError(413, `the body is over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ConsoleInputError(413, `the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bad('the body is not valid JSON');
  }
}

/** The body as an object holding only the `allowed` keys. */
function fields(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('the body must be a JSON object');
  const obj = body as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw bad(allowed.length === 0 ? 'this action takes no fields' : `unknown field; this action takes ${allowed.join(', ')}`);
  }
  return obj;
}

function checkId(value: unknown, name: string): string {
  if (typeof value !== 'string' || !ID.test(value)) throw bad(`${name} must be a dead letter id (1 to 64 letters, digits, '-' or '_')`);
  return value;
}

/** `{ ids: [...] }` (1 to {@link MAX_IDS} ids) or `{ all: true }`: which dead letters to re-drive (`undefined`: all). */
export function redriveInput(body: unknown): string[] | undefined {
  const { ids, all } = fields(body, ['ids', 'all']);
  if (all !== undefined) {
    if (all !== true) throw bad('all must be true');
    if (ids !== undefined) throw bad('give either ids or all, not both');
    return undefined;
  }
  if (!Array.isArray(ids)) throw bad('ids must be an array of dead letter ids, or send { "all": true }');
  if (ids.length === 0 || ids.length > MAX_IDS) throw bad(`ids must hold 1 to ${MAX_IDS} ids`);
  return [...new Set(ids.map((id, i) => checkId(id, `ids[${i}]`)))];
}

/** `{ id }`: the one dead letter to discard. */
export function discardInput(body: unknown): string {
  const { id } = fields(body, ['id']);
  return checkId(id, 'id');
}

/** `{ timeoutMs? }`: how long a flush may take. */
export function flushInput(body: unknown): number {
  const { timeoutMs } = fields(body, ['timeoutMs']);
  if (timeoutMs === undefined) return DEFAULT_FLUSH_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_FLUSH_MS) {
    throw bad(`timeoutMs must be a whole number from 0 to ${MAX_FLUSH_MS}`);
  }
  return timeoutMs;
}

/** An action that takes no fields: `{}` or an empty body. */
export function noInput(body: unknown): void {
  fields(body, []);
}

/** `?limit=N` (1 to {@link MAX_LIST}): how many dead letters to list; no other parameter is taken. */
export function listInput(query: URLSearchParams): number {
  for (const key of query.keys()) if (key !== 'limit') throw bad('unknown query parameter; this route takes limit');
  const all = query.getAll('limit');
  if (all.length === 0) return DEFAULT_LIST;
  const raw = all[0]!;
  if (all.length > 1 || !/^[0-9]{1,7}$/.test(raw)) throw bad(`limit must be a whole number from 1 to ${MAX_LIST}`);
  const limit = Number(raw);
  if (limit < 1 || limit > MAX_LIST) throw bad(`limit must be a whole number from 1 to ${MAX_LIST}`);
  return limit;
}
