import type { ServerResponse } from 'node:http';

/**
 * Whether the response is over: its connection closed (or is being destroyed), or its `'finish'`
 * has been emitted. Node's server detaches the socket from the response as the first thing it does
 * on `'finish'`, so a finished response that still holds its socket is one whose `'finish'` is yet
 * to come (its bytes were flushed within this tick): it is not over yet.
 */
export function responseOver(res: ServerResponse): boolean {
  return res.destroyed || (res.writableFinished && !res.socket);
}
