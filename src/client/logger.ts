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
