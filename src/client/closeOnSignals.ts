import type { CioClient } from './CioClient.js';

/** Options of {@link closeOnSignals}. */
export interface CloseOnSignalsOptions {
  /** Signals that start the graceful shutdown. @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[];
  /** How long `close()` may take to deliver what is queued. @default 10000 */
  timeoutMs?: number;
}

/**
 * Wires `client.close()` to process signals: on SIGTERM or SIGINT the client stops taking work,
 * finishes in-flight calls, delivers what it can within `timeoutMs` and persists the rest. Then,
 * if nothing else in the app listens to that signal, the signal is raised again so the process ends
 * the way it would have without this helper; an app with its own handler stays in charge of exiting.
 * @returns a function that removes the handlers.
 */
export function closeOnSignals(client: CioClient, options: CloseOnSignalsOptions = {}): () => void {
  if (typeof client?.close !== 'function') throw new TypeError('closeOnSignals: client must be a CioClient, got something without close()');
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  if (!Array.isArray(signals) || signals.some((s) => typeof s !== 'string')) {
    throw new TypeError('closeOnSignals: signals must be an array of signal names, got ' + typeof signals);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`closeOnSignals: timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`);
  }
  const handlers = new Map<NodeJS.Signals, () => void>();
  const remove = (): void => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    handlers.clear();
  };
  for (const signal of signals) {
    const handler = (): void => {
      remove();
      void client
        .close({ timeoutMs })
        .catch((err: unknown) => client.logger.error({ err: String(err) }, 'customerio-resilience: close on signal failed'))
        .finally(() => {
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return remove;
}
