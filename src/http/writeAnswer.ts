import type { ServerResponse } from 'node:http';
import type { HttpAnswer } from '../health/healthResponse.js';

/** Writes an answer with Node's own API (no ETag, no 304): headers, length, and the body unless `HEAD`. */
export function writeAnswer(res: ServerResponse, method: string, answer: HttpAnswer): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(answer.body));
  res.end(method === 'HEAD' ? undefined : answer.body);
}
