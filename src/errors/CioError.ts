/**
 * What went wrong, in one word a program can switch on.
 *
 * - `INVALID_INPUT`: the call's arguments break Customer.io's rules; nothing was sent.
 * - `PERMANENT`: Customer.io answered a 4xx that a retry cannot fix (400, 401, 403, 404, 422 …).
 * - `TRANSIENT`: Customer.io answered 408, 429 or a 5xx, or a proxy answered a non-JSON error page.
 * - `NETWORK`: the request never got an answer (connection refused, DNS failure, reset).
 * - `TIMEOUT`: an attempt took longer than `timeoutMs`.
 * - `AMBIGUOUS`: an operation Customer.io cannot de-duplicate failed after it may have taken effect.
 * - `CIRCUIT_OPEN`: the circuit breaker is open; nothing was sent.
 * - `RATE_LIMITED`: the client-side rate limit would have made the call wait too long; nothing was sent.
 * - `CONFIG`: the client is misconfigured (an invalid URL, missing credentials).
 * - `BATCHES_BUSY`: every batch request was still waiting for Customer.io (slow or hanging), so the
 *   call was not held in memory; nothing was sent (it is queued).
 * - `QUEUED_BEHIND`: an earlier update of the same person is still in the queue, so this one was
 *   queued behind it (one person's updates keep their order); nothing was sent now.
 * - `QUEUE_FULL`: the fallback queue had no room.
 * - `QUEUE_UNAVAILABLE`: the fallback queue store refused or could not confirm a push (a Redis
 *   outage, a failed write); with `maybeQueued` on the result it may still be stored and delivered.
 * - `CLOSED`: the client was closed (before the call, or while it was in flight).
 * - `UNKNOWN`: anything else (a bug in a caller-supplied function, an unexpected SDK error).
 */
export type CioErrorCode =
  | 'INVALID_INPUT'
  | 'PERMANENT'
  | 'TRANSIENT'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'AMBIGUOUS'
  | 'CIRCUIT_OPEN'
  | 'RATE_LIMITED'
  | 'CONFIG'
  | 'BATCHES_BUSY'
  | 'QUEUED_BEHIND'
  | 'QUEUE_FULL'
  | 'QUEUE_UNAVAILABLE'
  | 'CLOSED'
  | 'UNKNOWN';

/** Options shared by every {@link CioError}. */
export interface CioErrorOptions {
  /** HTTP status Customer.io answered, when there was one. */
  status?: number | undefined;
  /** The underlying error (credentials scrubbed from its message). */
  cause?: unknown;
  /** Server-requested delay before the next attempt, from `Retry-After`. */
  retryAfterMs?: number | undefined;
  /** Whether the request may have taken effect at Customer.io even though it failed. */
  maybeDelivered?: boolean | undefined;
  /** Customer.io's own error text (credential-free; it may quote the payload, so it is never logged). */
  serverMessage?: string | undefined;
}

/**
 * Marks an error made by this package with the names of its classes (`['CioError', 'CioHttpError']`).
 * A registered symbol, so that every copy of the package in a process (its ES module and CommonJS
 * builds, loaded side by side) recognises the others' errors: `instanceof`, `isCioError()` and the
 * other guards answer the same whichever copy made the error.
 */
const KINDS = Symbol.for('customerio-resilience.errorKinds');

/** The package's own error classes, by the name their instances are branded with. */
const CLASS_KINDS = new Map<Function, string>();

/** Per constructor, the brand its instances carry. */
const BRANDS = new WeakMap<Function, readonly string[]>();

/** The names of the package's error classes from `ctor` up to {@link CioError}. */
function kindsFrom(ctor: Function): readonly string[] {
  let kinds = BRANDS.get(ctor);
  if (kinds) return kinds;
  const found: string[] = [];
  for (let c: unknown = ctor, depth = 0; typeof c === 'function' && depth < 32; c = Object.getPrototypeOf(c), depth++) {
    const kind = CLASS_KINDS.get(c);
    if (kind !== undefined) found.push(kind);
  }
  kinds = Object.freeze(found);
  BRANDS.set(ctor, kinds);
  return kinds;
}

/** The class names `value` is branded with, by whichever copy of the package made it. */
function kindsOf(value: unknown): readonly unknown[] {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return [];
  try {
    const kinds = (value as { [KINDS]?: unknown })[KINDS];
    return Array.isArray(kinds) ? kinds : [];
  } catch {
    return [];
  }
}

/**
 * The base of every error this package reports. It never holds credentials.
 *
 * `instanceof` and the `isCio…Error()` guards also recognise errors made by another copy of this
 * package loaded in the same process (the ES module and the CommonJS build side by side).
 */
export class CioError extends Error {
  override readonly name: string = 'CioError';
  /** Machine-readable reason. */
  readonly code: CioErrorCode;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** HTTP status Customer.io answered, when there was one. */
  readonly status: number | undefined;
  /** Server-requested delay before the next attempt, from `Retry-After`. */
  readonly retryAfterMs: number | undefined;
  /** Whether the request may have reached Customer.io and taken effect. */
  readonly maybeDelivered: boolean;
  /**
   * Customer.io's own error text, when it sent one. Kept out of `message`, logs and `toJSON()`
   * because it may quote attribute values; read it when you need the detail.
   */
  declare readonly serverMessage: string | undefined;

  constructor(code: CioErrorCode, message: string, retryable: boolean, options: CioErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.maybeDelivered = options.maybeDelivered ?? false;
    Object.defineProperty(this, 'serverMessage', { value: options.serverMessage, enumerable: false });
    Object.defineProperty(this, KINDS, { value: kindsFrom(new.target), enumerable: false });
  }

  /**
   * `value instanceof CioError` (or a subclass of this package): true for an instance, and also for
   * an error of the same class made by another copy of the package in this process. A subclass
   * of your own is matched by its prototype chain only.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const kind = CLASS_KINDS.get(this);
    return kind !== undefined && kindsOf(value).includes(kind);
  }

  /** A plain, credential-free description for logs and health output. */
  toJSON(): { name: string; code: CioErrorCode; message: string; retryable: boolean; status?: number } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.status === undefined ? {} : { status: this.status }),
    };
  }
}

/** The arguments of a call break Customer.io's rules or cannot be serialised. Never retried. */
export class CioValidationError extends CioError {
  override readonly name = 'CioValidationError';
  /** The offending field, as a path such as `data.name` or `attributes.plan`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super('INVALID_INPUT', message, false);
    this.field = field;
  }
}

/** Customer.io answered with an error status (or a proxy answered with a non-JSON page). */
export class CioHttpError extends CioError {
  override readonly name = 'CioHttpError';
}

/** The request got no answer: refused, reset, DNS failure, or the attempt timed out. */
export class CioNetworkError extends CioError {
  override readonly name = 'CioNetworkError';
}

/** The circuit breaker is open: Customer.io is considered down and nothing was sent. */
export class CioCircuitOpenError extends CioError {
  override readonly name = 'CioCircuitOpenError';
  constructor() {
    super('CIRCUIT_OPEN', 'Customer.io circuit is open; the call was not sent', true);
  }
}

/** The client is configured in a way that cannot work (bad URL, missing credentials). */
export class CioConfigError extends CioError {
  override readonly name = 'CioConfigError';
  constructor(message: string, cause?: unknown) {
    super('CONFIG', message, false, { cause });
  }
}

/** The client was closed before the call could be made. */
export class CioClosedError extends CioError {
  override readonly name = 'CioClosedError';
  constructor() {
    super('CLOSED', 'The Customer.io client is closed', false);
  }
}

for (const [ctor, kind] of [
  [CioError, 'CioError'],
  [CioValidationError, 'CioValidationError'],
  [CioHttpError, 'CioHttpError'],
  [CioNetworkError, 'CioNetworkError'],
  [CioCircuitOpenError, 'CioCircuitOpenError'],
  [CioConfigError, 'CioConfigError'],
  [CioClosedError, 'CioClosedError'],
] as const) {
  CLASS_KINDS.set(ctor, kind);
}

/** True when `value` is any error reported by this package (by any copy of it in this process). */
export function isCioError(value: unknown): value is CioError {
  return value instanceof CioError;
}

/** True when `value` is a {@link CioValidationError}. */
export function isCioValidationError(value: unknown): value is CioValidationError {
  return value instanceof CioValidationError;
}

/** True when `value` is a {@link CioHttpError}. */
export function isCioHttpError(value: unknown): value is CioHttpError {
  return value instanceof CioHttpError;
}

/** True when `value` is a {@link CioNetworkError}. */
export function isCioNetworkError(value: unknown): value is CioNetworkError {
  return value instanceof CioNetworkError;
}

/** True when `value` is a {@link CioCircuitOpenError}. */
export function isCioCircuitOpenError(value: unknown): value is CioCircuitOpenError {
  return value instanceof CioCircuitOpenError;
}

/** True when `value` is a {@link CioConfigError}. */
export function isCioConfigError(value: unknown): value is CioConfigError {
  return value instanceof CioConfigError;
}
