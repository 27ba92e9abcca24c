import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultBook } from './faults.js';
import { fail, faultStatus, parseJson, readBody, sendFault, sendJson } from './http.js';
import type { Reply } from './http.js';
import { resolveRoute } from './routes/index.js';
import type { ResolvedRoute } from './routes/index.js';
import { EmulatorState } from './state.js';
import type { MutableRecordedRequest } from './state.js';
import type {
  AcceptedOperation,
  AuthState,
  CioApi,
  CioEmulator,
  CioEmulatorEvents,
  CioEmulatorOptions,
  DeliveredEvent,
  DeliveryRecord,
  DeviceRecord,
  FaultHandle,
  FaultSpec,
  ObjectRecord,
  PipelinesMessage,
  PipelinesRejection,
  RecordedRequest,
  WaitOptions,
} from './types.js';

/** Default credentials of the emulator. */
export const EMULATOR_DEFAULTS = Object.freeze({
  siteId: 'emu-site',
  apiKey: 'emu-track-key',
  appApiKey: 'emu-app-key',
  pipelinesWriteKey: 'emu-pipelines-key',
  host: '127.0.0.1',
});

/** Everything known about a request once its body has been read. */
interface Incoming {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly record: MutableRecordedRequest;
  readonly route: ResolvedRoute;
  /** Parsed body, or `undefined` when the body was not valid JSON (or too large to read). */
  readonly body: unknown;
  readonly tooLarge: boolean;
  /** `X-Strict-Mode: 1` was sent (Data Pipelines). */
  readonly strict: boolean;
}

/** The emulator; see {@link CioEmulator} for the contract. */
class Emulator implements CioEmulator {
  readonly #host: string;
  readonly #siteId: string;
  readonly #region: 'us' | 'eu';
  readonly #trackAuth: string;
  readonly #appAuth: string;
  readonly #pipelinesAuth: string;
  readonly #now: () => number;
  readonly #state: EmulatorState;
  readonly #faults: FaultBook;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #port: number;
  #server: Server | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;
  /** Serialises up/down/close so they never interleave. */
  #lifecycle: Promise<void> = Promise.resolve();

  constructor(options: CioEmulatorOptions) {
    const siteId = options.siteId ?? EMULATOR_DEFAULTS.siteId;
    const apiKey = options.apiKey ?? EMULATOR_DEFAULTS.apiKey;
    const appApiKey = options.appApiKey ?? EMULATOR_DEFAULTS.appApiKey;
    this.#host = options.host ?? EMULATOR_DEFAULTS.host;
    this.#port = options.port ?? 0;
    this.#siteId = siteId;
    this.#region = options.region ?? 'us';
    // Only the expected header values are kept (to compare with), never anything a client sent.
    this.#trackAuth = `Basic ${Buffer.from(`${siteId}:${apiKey}`, 'utf8').toString('base64')}`;
    this.#appAuth = `Bearer ${appApiKey}`;
    const writeKey = options.pipelinesWriteKey ?? EMULATOR_DEFAULTS.pipelinesWriteKey;
    this.#pipelinesAuth = `Basic ${Buffer.from(`${writeKey}:`, 'utf8').toString('base64')}`;
    this.#now = options.now ?? Date.now;
    this.#state = new EmulatorState(this.#now);
    this.#faults = new FaultBook(this.#now);
  }

  get url(): string {
    const host = this.#host.includes(':') ? `[${this.#host}]` : this.#host;
    return `http://${host}:${this.#port}`;
  }
  get trackUrl(): string {
    return `${this.url}/api/v1`;
  }
  get appUrl(): string {
    return `${this.url}/v1`;
  }
  get pipelinesUrl(): string {
    return `${this.url}/cdp/v1`;
  }
  get port(): number {
    return this.#port;
  }
  get isUp(): boolean {
    return this.#server !== null;
  }
  get requests(): readonly RecordedRequest[] {
    return this.#state.requests;
  }
  get events(): readonly DeliveredEvent[] {
    return this.#state.events;
  }
  get duplicates(): number {
    return this.#state.duplicates;
  }
  get operations(): readonly AcceptedOperation[] {
    return this.#state.operations;
  }
  get people(): ReadonlyMap<string, Record<string, unknown>> {
    return this.#state.people;
  }
  get suppressed(): ReadonlySet<string> {
    return this.#state.suppressed;
  }
  get devices(): ReadonlyMap<string, ReadonlyMap<string, DeviceRecord>> {
    return this.#state.devices;
  }
  get segments(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#state.segments;
  }
  get objects(): ReadonlyMap<string, ObjectRecord> {
    return this.#state.objects;
  }
  get deliveries(): ReadonlyMap<string, DeliveryRecord> {
    return this.#state.deliveries;
  }
  get pipelinesMessages(): readonly PipelinesMessage[] {
    return this.#state.pipelines.messages;
  }
  get pipelinesDuplicates(): number {
    return this.#state.pipelines.duplicates;
  }
  get pipelinesRejected(): readonly PipelinesRejection[] {
    return this.#state.pipelines.rejected;
  }
  get pipelinesPeople(): ReadonlyMap<string, Record<string, unknown>> {
    return this.#state.pipelines.people;
  }

  fault(spec: FaultSpec): FaultHandle {
    return this.#faults.add(spec);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  reset(): void {
    this.#state.reset();
    this.#faults.clear();
  }

  waitForRequests(n: number, opts: WaitOptions = {}): Promise<void> {
    return this.#state.waiters.waitFor('requests', () => this.#state.requests.length, n, opts.timeoutMs);
  }

  waitForEvents(n: number, opts: WaitOptions = {}): Promise<void> {
    return this.#state.waiters.waitFor('events', () => this.#state.events.length, n, opts.timeoutMs);
  }

  waitForPipelinesMessages(n: number, opts: WaitOptions = {}): Promise<void> {
    return this.#state.waiters.waitFor('Data Pipelines messages', () => this.#state.pipelines.messages.length, n, opts.timeoutMs);
  }

  on<K extends keyof CioEmulatorEvents>(event: K, listener: (payload: CioEmulatorEvents[K]) => void): this {
    this.#state.emitter.on(event, listener);
    return this;
  }

  off<K extends keyof CioEmulatorEvents>(event: K, listener: (payload: CioEmulatorEvents[K]) => void): this {
    this.#state.emitter.off(event, listener);
    return this;
  }

  up(): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) throw new Error('CIO emulator: closed; start a new one');
      if (this.#server) return;
      const server = createServer((req, res) => void this.#onRequest(req, res));
      server.on('connection', (socket: Socket) => {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.#port, this.#host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (error) => process.emitWarning(`CIO emulator server error: ${error.message}`));
      this.#port = (server.address() as AddressInfo).port;
      this.#server = server;
    });
  }

  down(): Promise<void> {
    return this.#serial(() => this.#stop());
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = this.#serial(async () => {
        await this.#stop();
        this.#faults.clear();
        this.#state.waiters.rejectAll('closed while waiting');
        this.#state.emitter.removeAllListeners();
      });
    }
    return this.#closing;
  }

  /** Run a lifecycle step after the previous ones. */
  #serial(step: () => Promise<void>): Promise<void> {
    const run = this.#lifecycle.then(step);
    this.#lifecycle = run.catch(() => undefined);
    return run;
  }

  /** Stop listening, destroy every socket (hanging ones too) and cancel delayed answers. */
  async #stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    server.closeAllConnections();
    await closed;
    // Give in-process clients (undici's keep-alive pool) a moment to see the sockets close, so their
    // next request opens a new connection and gets ECONNREFUSED instead of writing to a dead socket.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }

  #authOf(header: string | undefined, api: CioApi): AuthState {
    if (header === undefined || header === '') return 'missing';
    if (api === 'track') return header === this.#trackAuth ? 'ok' : 'invalid';
    if (api === 'app') return header === this.#appAuth ? 'ok' : 'invalid';
    if (api === 'pipelines') return header === this.#pipelinesAuth ? 'ok' : 'invalid';
    return header === this.#trackAuth || header === this.#appAuth || header === this.#pipelinesAuth ? 'ok' : 'invalid';
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (raw === null || this.#server === null) return; // the client went away, or we are going down
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const parsed = raw.text === null ? { ok: true as const, value: null } : parseJson(raw.text);
    const body = parsed.ok ? parsed.value : null;
    const route = resolveRoute(method, url.pathname, body);
    const retryHeader = Number(req.headers['x-retry-count']);
    const record: MutableRecordedRequest = {
      seq: this.#state.nextRequestSeq(),
      at: this.#now(),
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      api: route.api,
      operation: route.operation,
      status: null,
      fault: false,
      auth: this.#authOf(req.headers.authorization, route.api),
      body,
      bodyBytes: raw.bytes,
      retryCount: Number.isFinite(retryHeader) ? retryHeader : 0,
    };
    const spec = this.#faults.take({ api: route.api, method, path: url.pathname, operation: route.operation });
    record.fault = spec !== null;
    const strict = req.headers['x-strict-mode'] === '1';
    const incoming: Incoming = { req, res, record, route, body: parsed.ok ? body : undefined, tooLarge: raw.text === null, strict };
    const delayMs = spec?.delayMs ?? 0;
    if (delayMs > 0) {
      this.#state.addRequest(record);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#answer(incoming, spec);
      }, delayMs);
      this.#timers.add(timer);
      return;
    }
    this.#answer(incoming, spec);
    this.#state.addRequest(record);
  }

  /** Answer a request as its fault rule (if any) says, else normally. Sets `record.status`. */
  #answer(incoming: Incoming, spec: Readonly<FaultSpec> | null): void {
    const { req, res, record } = incoming;
    if (spec?.applyThen !== undefined) {
      // Applied, then the answer is lost: the client cannot know the operation took effect.
      this.#handle(incoming);
      if (spec.applyThen === 'reset' && !req.socket.destroyed) req.socket.resetAndDestroy();
      return;
    }
    if (spec?.reset) {
      // A TCP RST, as from a crashed proxy; the SDK sees TypeError('fetch failed'), cause ECONNRESET.
      if (!req.socket.destroyed) req.socket.resetAndDestroy();
      return;
    }
    if (spec?.hang) return;
    const statusFault =
      spec !== null &&
      (spec.status !== undefined || spec.retryAfter !== undefined || spec.body !== undefined || spec.delayMs === undefined);
    if (spec !== null && statusFault) {
      const status = faultStatus(spec);
      sendFault(res, spec, status);
      record.status = status;
      return;
    }
    const reply = this.#handle(incoming);
    sendJson(res, reply);
    record.status = reply.status;
  }

  /** Normal handling: route, auth, body, then the route's handler. */
  #handle({ record, route, body, tooLarge, strict }: Incoming): Reply {
    if (route.handler === null) return fail(404, `Not found: ${record.method} ${record.path}`);
    if (record.auth !== 'ok' && !route.noAuth && !route.checksItself) return fail(401, 'Unauthorized request');
    if (tooLarge) return fail(413, `request body of ${record.bodyBytes} bytes is too large`);
    if (body === undefined && !route.checksItself) return fail(400, 'request body is not valid JSON');
    try {
      return route.handler({
        params: route.params,
        query: record.query,
        body,
        bodyBytes: record.bodyBytes,
        requestSeq: record.seq,
        state: this.#state,
        now: this.#now,
        siteId: this.#siteId,
        region: this.#region,
        auth: record.auth,
        strict,
      });
    } catch (error) {
      return fail(500, `CIO emulator internal error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * Start a local Customer.io API (Track v1/v2, the App API sends and some of its reads, and the Data
 * Pipelines API) on `127.0.0.1` and a free port,
 * for the real `customerio-node` SDK to talk to over loopback. Validates Customer.io's limits,
 * de-duplicates events by ULID `id`, keeps a small model of people, and injects faults on demand.
 *
 * @example
 * ```ts
 * const emu = await startCioEmulator({ siteId: 'site', apiKey: 'key' });
 * const track = new TrackClient('site', 'key', { url: emu.trackUrl, retry: { maxRetries: 0 } });
 * emu.fault({ status: 503, times: 3 });
 * // ...
 * await emu.close();
 * ```
 */
export async function startCioEmulator(options: CioEmulatorOptions = {}): Promise<CioEmulator> {
  const emulator = new Emulator(options);
  await emulator.up();
  return emulator;
}
