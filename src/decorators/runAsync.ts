/**
 * Runs `fn` so that it always returns a promise: a synchronous throw becomes a rejection. What it
 * throws is typed by the client's classifier (network error codes are transient outages).
 */
export function runAsync(fn: () => unknown): Promise<unknown> {
  return Promise.resolve().then(fn);
}
