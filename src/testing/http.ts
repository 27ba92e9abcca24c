import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultSpec } from './types.js';

/** What a route handler answers. */
export interface Reply {
  readonly status: number;
  /** JSON body; omitted → `{}`. */
  readonly body?: unknown;
}

/** Customer.io's error body: `{"meta":{"error":"<message>"}}`. */
export function errorBody(message: string): { meta: { error: string } } {
  return { meta: { error: message } };
}

/** A JSON error reply. */
export function fail(status: number, message: string): Reply {
  return { status, body: errorBody(message) };
}

/** Largest body the emulator reads into memory; beyond it the request is answered 413. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** A request body as read off the wire. */
export interface RawBody {
  /** Byte count of the whole body. */
  readonly bytes: number;
  /** The body as UTF-8, or `null` when it exceeded {@link MAX_BODY_BYTES}. */
  readonly text: string | null;
}

/** Read the whole body of a request (resolves `null` if the client went away first). */
export function readBody(req: IncomingMessage): Promise<RawBody | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      resolve({ bytes, text: bytes > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', () => resolve(null));
    req.on('close', () => {
      if (!req.complete) resolve(null);
    });
  });
}

/** Parse a body: `{ ok: true, value }` (`null` for an empty body) or `{ ok: false }` for invalid JSON. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Write a reply unless the response is already gone. */
function write(res: ServerResponse, status: number, contentType: string | null, text: string, extra: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = { ...extra };
  // A 204 carries neither a body nor a Content-Length (RFC 9110 §8.6).
  if (status !== 204) headers['Content-Length'] = Buffer.byteLength(text);
  if (contentType !== null) headers['Content-Type'] = contentType;
  res.writeHead(status, headers);
  res.end(text);
}

/** Send a JSON reply; a 204 (No Content) goes without a body, as HTTP requires. */
export function sendJson(res: ServerResponse, reply: Reply): void {
  if (reply.status === 204) write(res, 204, null, '', {});
  else write(res, reply.status, 'application/json; charset=utf-8', JSON.stringify(reply.body ?? {}), {});
}

/** The HTML page of an `html` fault, like a proxy's error page. */
function htmlPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>cio-emulator</center>\r\n</body>\r\n</html>\r\n`;
}

/** Status a fault answers with: its own, else 429 when it only sets `retryAfter`, else 503. */
export function faultStatus(spec: FaultSpec): number {
  if (spec.status !== undefined) return spec.status;
  return spec.retryAfter !== undefined ? 429 : 503;
}

/** Send the answer of a status fault (body kind and `Retry-After` as the spec says). */
export function sendFault(res: ServerResponse, spec: FaultSpec, status: number): void {
  const extra: Record<string, string> = {};
  if (spec.retryAfter !== undefined) extra['Retry-After'] = String(spec.retryAfter);
  const kind = spec.body ?? 'json';
  if (kind === 'json') {
    const message = `${STATUS_CODES[status] ?? 'Error'} (emulated fault)`;
    write(res, status, 'application/json; charset=utf-8', JSON.stringify(errorBody(message)), extra);
  } else if (kind === 'html') {
    write(res, status, 'text/html', htmlPage(status), extra);
  } else if (kind === 'empty') {
    write(res, status, null, '', extra);
  } else {
    const isJson = parseJson(kind).ok;
    write(res, status, isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8', kind, extra);
  }
}
