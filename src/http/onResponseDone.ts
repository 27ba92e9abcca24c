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

/**
 * Calls `done(arg)` once, when the response is over: its `'close'`, which Node emits for every
 * server response, right after `'finish'` (in the next tick) or when its connection closed first
 * (a client that disconnected, a handler that destroyed the socket). One listener, added once.
 * Calls it at once when the response is already over (see {@link responseOver}).
 */
export function onResponseDone<T>(res: ServerResponse, done: (arg: T) => void, arg: T): void {
  if (responseOver(res)) {
    done(arg);
    return;
  }
  res.on('close', () => done(arg));
}
