import { describeType } from '../internal/describe.js';
import { nodeRequire } from '../internal/nodeRequire.js';

/*
 * OpenTelemetry spans, through `@opentelemetry/api` when the app has it installed (an optional
 * peer). The package never imports its types: the few parts used are described here structurally,
 * so a consumer's compile never needs the package, and the module is loaded on first use only.
 */

/** A span attribute value, as this package sets them (never a person id, attribute value or credential). */
export type SpanAttributes = Record<string, string | number | boolean>;

/** The identity of a span, as OpenTelemetry's `SpanContext`. */
export interface SpanContextLike {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** The parts of OpenTelemetry's `Span` this package uses. */
export interface SpanLike {
  spanContext(): SpanContextLike;
  setAttribute(key: string, value: string | number | boolean): unknown;
  addEvent(name: string, attributes?: SpanAttributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  isRecording(): boolean;
  end(): void;
}

/** The parts of OpenTelemetry's `Tracer` this package uses. */
export interface TracerLike {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: SpanAttributes; links?: Array<{ context: SpanContextLike }>; root?: boolean },
    context?: unknown,
  ): SpanLike;
}

/** An OpenTelemetry `TracerProvider` (a `NodeTracerProvider`, the SDK's `TracerProvider` …). */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): TracerLike;
}

/** Tracing settings (`createCioClient({ tracing })`). */
export interface TracingOptions {
  /**
   * The provider whose tracer makes the spans. @default the global one of `@opentelemetry/api`
   * (what `NodeSDK.start()` or `provider.register()` sets), looked up at each span, so a provider
   * registered after the client was made is used too.
   */
  tracerProvider?: TracerProviderLike;
}

/** The parts of `@opentelemetry/api` this package uses. */
interface OtelApi {
  trace: { getTracer(name: string, version?: string): TracerLike; setSpan(context: unknown, span: SpanLike): unknown };
  context: { active(): unknown; with<R>(context: unknown, fn: () => R): R };
}

/** OpenTelemetry's numbers for span kinds and status codes (fixed by its specification). */
const KIND_INTERNAL = 0;
const KIND_CLIENT = 2;
const STATUS_ERROR = 2;

const NAME = 'customerio-resilience';
let api: OtelApi | null | undefined; // null: not installed
let version: string | undefined;

/** `@opentelemetry/api`, loaded on first use; `undefined` when it is not installed. */
function otelApi(): OtelApi | undefined {
  if (api === undefined) {
    try {
      api = nodeRequire('@opentelemetry/api') as OtelApi;
    } catch {
      api = null;
    }
    try {
      version = (nodeRequire(`${NAME}/package.json`) as { version?: string }).version;
    } catch {
      version = undefined; // a bundler or test runner that cannot resolve the package by its own name
    }
  }
  return api ?? undefined;
}

/**
 * The active OpenTelemetry context, or `undefined` without `@opentelemetry/api`: what a call made
 * later on someone's behalf (a request-scoped call, sent once the response is over) is parented to.
 */
export function activeContext(): unknown {
  return api === null ? undefined : otelApi()?.context.active();
}

/**
 * Reads the `tracing` option: `false` for none, `true` or an object for spans. Without
 * `@opentelemetry/api` installed there are none either, unless a `tracerProvider` is given (then
 * the package is needed, and its absence is an error).
 */
export function tracingOf(value: unknown): Tracing | undefined {
  if (value === false) return undefined;
  if (value !== undefined && value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new TypeError(`createCioClient: tracing must be a boolean or an object such as { tracerProvider }, got ${describeType(value)}`);
  }
  const provider = typeof value === 'object' ? (value as TracingOptions).tracerProvider : undefined;
  if (provider !== undefined && (typeof provider !== 'object' || provider === null || typeof provider.getTracer !== 'function')) {
    throw new TypeError(`createCioClient: tracing.tracerProvider must be an OpenTelemetry TracerProvider (with getTracer()), got ${describeType(provider)}`);
  }
  const otel = otelApi();
  if (!otel) {
    if (provider !== undefined) throw new TypeError('createCioClient: tracing.tracerProvider needs @opentelemetry/api installed (npm install @opentelemetry/api)');
    return undefined;
  }
  return new Tracing(otel, (provider ?? otel.trace).getTracer(NAME, version));
}

/** What a span ends with. */
export interface TraceEnd {
  /** `customerio.status`: a call's status, a request's `sent`, `partial` or `failed`. */
  status: string;
  attempts: number;
  /** The error's code, as `error.type`, when the span ends in error. */
  errorCode?: string | undefined;
}

/**
 * Makes the spans of one client: one per call (internal: it covers the guard, a batch's wait, the
 * queue) and one per request to Customer.io that serves several calls or none live (a batch request,
 * a replay): those are root spans, linked to the calls they carry.
 */
export class Tracing {
  readonly #api: OtelApi;
  readonly #tracer: TracerLike;

  constructor(otel: OtelApi, tracer: TracerLike) {
    this.#api = otel;
    this.#tracer = tracer;
  }

  /**
   * The span of a call of `operation` (`undefined` when it is not recorded: no SDK registered, or
   * sampled out), a child of `parent` (an OpenTelemetry context) or of the active span.
   */
  call(operation: string, api: string | undefined, circuitState: string | undefined, parent?: unknown): Trace | undefined {
    const attributes: SpanAttributes = { 'customerio.operation': operation };
    if (api !== undefined) attributes['customerio.api'] = api;
    if (circuitState !== undefined) attributes['customerio.circuit_state'] = circuitState;
    // Without a parent the tracer takes the active context itself.
    const span = this.#tracer.startSpan(`customerio ${operation}`, { kind: KIND_INTERNAL, attributes }, parent);
    return span.isRecording() ? new Trace(this.#api, span) : undefined;
  }

  /**
   * The span of one request that is no single live call's: a batch request (linked to the calls it
   * carries) or a replay of a queued operation. A root span: the timer or call that happened to
   * send it is not its parent.
   */
  request(name: string, attributes: SpanAttributes, calls: ReadonlyArray<Trace | undefined> = []): Trace | undefined {
    const links: Array<{ context: SpanContextLike }> = [];
    for (const call of calls) if (call) links.push({ context: call.spanContext });
    const span = this.#tracer.startSpan(`customerio ${name}`, { kind: KIND_CLIENT, attributes, links, root: true });
    return span.isRecording() ? new Trace(this.#api, span) : undefined;
  }
}

/** One recorded span: attributes, events, the context its work runs in, and its end (once). */
export class Trace {
  readonly #api: OtelApi;
  readonly #span: SpanLike;
  #ended = false;

  constructor(otel: OtelApi, span: SpanLike) {
    this.#api = otel;
    this.#span = span;
  }

  get spanContext(): SpanContextLike {
    return this.#span.spanContext();
  }

  /** The context with this span active: the parent of what is done on its behalf. */
  get context(): unknown {
    return this.#api.trace.setSpan(this.#api.context.active(), this.#span);
  }

  set(key: string, value: string | number | boolean): void {
    if (!this.#ended) this.#span.setAttribute(key, value);
  }

  event(name: string, attributes?: SpanAttributes): void {
    if (!this.#ended) this.#span.addEvent(name, attributes);
  }

  /** An attempt failed and another follows after `delayMs`. */
  retry(attempt: number, delayMs: number, errorCode: string): void {
    this.event('customerio.retry', { 'customerio.attempt': attempt, 'customerio.retry.delay_ms': Math.round(delayMs), 'error.type': errorCode });
  }

  /** Runs `fn` with this span active, so what it does (the SDK's HTTP request) is its child. */
  within<R>(fn: () => R): R {
    return this.#api.context.with(this.context, fn);
  }

  end({ status, attempts, errorCode }: TraceEnd): void {
    if (this.#ended) return;
    this.#span.setAttribute('customerio.status', status);
    this.#span.setAttribute('customerio.attempts', attempts);
    if (errorCode !== undefined) {
      this.#span.setAttribute('error.type', errorCode);
      this.#span.setStatus({ code: STATUS_ERROR, message: errorCode });
    }
    this.#ended = true;
    this.#span.end();
  }
}
