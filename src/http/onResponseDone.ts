import type { ServerResponse } from 'node:http';

/**
 * Calls `done` once, when the response has finished (`'finish'`) or its connection closed first
 * (`'close'`: a client that disconnected, a handler that destroyed the socket). Calls it at once
 * when the response is already over.
 */
export function onResponseDone(res: ServerResponse, done: () => void): void {
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    res.off('finish', once);
    res.off('close', once);
    done();
  };
  if (res.writableFinished || res.destroyed) {
    once();
    return;
  }
  res.on('finish', once);
  res.on('close', once);
}
