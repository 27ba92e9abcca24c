/** A pino-compatible logger: each method takes a context object and a message. */
export interface CioLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The default logger: silent except warnings and errors, written to stderr as one JSON line each. */
export const defaultLogger: CioLogger = {
  debug() {},
  info() {},
  warn(obj, msg) {
    process.stderr.write(`${JSON.stringify({ level: 'warn', pkg: 'customerio-resilience', msg, ...obj })}\n`);
  },
  error(obj, msg) {
    process.stderr.write(`${JSON.stringify({ level: 'error', pkg: 'customerio-resilience', msg, ...obj })}\n`);
  },
};

/** A logger that writes nothing. */
export const silentLogger: CioLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The app's logger behind a guard: a logger that throws (a full disk, a closed stream, a bug) must
 * never change a call's result, reject a flush or cause an unhandled rejection, so each method
 * swallows what the app's method throws.
 */
export function safeLogger(logger: CioLogger): CioLogger {
  const guard = (level: keyof CioLogger) => (obj: object, msg?: string): void => {
    try {
      logger[level](obj, msg);
    } catch {
      /* a logger that throws must not break anything */
    }
  };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}
