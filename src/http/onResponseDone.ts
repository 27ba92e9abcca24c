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
 * Calls `done(arg)` once, when the response has finished (`'finish'`) or its connection closed
 * first (`'close'`: a client that disconnected, a handler that destroyed the socket). Calls it at
 * once when the response is already over (see {@link responseOver}).
 */
export function onResponseDone<T>(res: ServerResponse, done: (arg: T) => void, arg: T): void {
  if (responseOver(res)) {
    done(arg);
    return;
  }
  const once = (): void => {
    // Both listeners go before `done` runs, so neither event can call it again.
    res.off('finish', once);
    res.off('close', once);
    done(arg);
  };
  res.on('finish', once);
  res.on('close', once);
}
