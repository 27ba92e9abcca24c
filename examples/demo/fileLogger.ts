import { createWriteStream, type WriteStream } from 'node:fs';
import type { CioLogger } from '../../src/index.js';

/** A pino-compatible logger writing JSON lines to a file (the terminal belongs to the live view). */
export interface FileLogger extends CioLogger {
  /** Warnings and errors written so far. */
  readonly warnings: number;
  close(): Promise<void>;
}

/** Logs the client's info, warnings and errors to `path`. */
export function fileLogger(path: string): FileLogger {
  const stream: WriteStream = createWriteStream(path, { flags: 'w' });
  let warnings = 0;
  const write = (level: string) => (obj: object, msg?: string) => {
    if (level === 'warn' || level === 'error') warnings++;
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...obj })}\n`);
  };
  return {
    debug: () => undefined,
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    get warnings() {
      return warnings;
    },
    close: () => new Promise<void>((resolve) => stream.end(resolve)),
  };
}
