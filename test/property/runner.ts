/**
 * Runs one fault schedule: a fresh emulator, a client on the schedule's store, an Express app with
 * `cioMiddleware`, then the steps (calls are fired without waiting, as an app does), then the close
 * with plenty of time. Every call the client receives is recorded, in the order it receives it,
 * with its result: that is the ledger {@link checkLedger} reads.
 */
import type { Server } from 'node:http';
import express from 'express';
import supertest from 'supertest';
import { createCioClient } from '../../src/client/createCioClient.js';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioClientOptions } from '../../src/client/options.js';
import type { CallOptions, CioResult, FlushResult } from '../../src/client/types.js';
import { cioMiddleware } from '../../src/http/express.js';
import type { DeferredCall } from '../../src/http/ScopedCioClient.js';
import { startCioEmulator } from '../../src/testing/index.js';
import type { AcceptedOperation, CioEmulator, DeliveredEvent } from '../../src/testing/index.js';
import { CREDS, ERROR_TEXTS, capturingLogger } from '../support/harness.js';
import { OPS, PEOPLE } from './arbitraries.js';
import type { CallSpec, OpKind, Schedule } from './arbitraries.js';
import { makeStore } from './stores.js';

/** Time `close()` is given; the ledger wants it to deliver everything within it. */
export const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Client options of every schedule: short attempt timeout, fast retries, a breaker that opens after
 * 3 failures and probes after 50 ms, a drainer that looks every 20 ms and never gives up on an entry
 * within a schedule (so an accepted call can only be lost by a bug), short write-behind batching.
 */
function clientOptions(emu: CioEmulator, schedule: Schedule): CioClientOptions {
  return {
    ...CREDS,
    trackUrl: emu.trackUrl,
    appUrl: emu.appUrl,
    timeoutMs: 150,
    retry: { maxAttempts: 3, initialDelayMs: 2, maxDelayMs: 10, maxRetryAfterMs: 500 },
    breaker: { threshold: 3, halfOpenAfterMs: 50 },
    rateLimit: schedule.rateLimit === false ? false : { perSecond: schedule.rateLimit },
    drain: { intervalMs: 20, batchSize: 50, maxAttempts: 10_000 },
    batch: { maxDelayMs: 10 },
    logger: capturingLogger(),
  };
}

/** Arity of each operation before its `CallOptions`. */
const ARITY: Readonly<Record<OpKind, number>> = { identify: 2, track: 2, trackAnonymous: 2, trackPageView: 2, sendEmail: 1 };

/** One call as the client received it (through the recording proxy), and what it resolved. */
export interface Invocation {
  /** 1-based order in which the client received the calls: the "call order". */
  readonly seq: number;
  readonly op: OpKind;
  readonly args: readonly unknown[];
  /** The unique mark put in the call's data (repeats with identical arguments share it). */
  readonly marker: string;
  /** The person addressed (the anonymous id for trackAnonymous). */
  readonly person: string;
  /** The `idempotencyKey` option the client got (request-scoped calls: the header-scoped key), else `undefined`. */
  readonly key: string | undefined;
  readonly batch: boolean;
  readonly via: 'direct' | 'scoped';
  /** ms since the start of the run. */
  readonly at: number;
  result?: CioResult;
  /** When the promise settled (ms since the epoch). */
  settledAt?: number;
  /** Set when the method threw or its promise rejected (it must do neither). */
  error?: string;
}

/** A request-scoped call as the handler made it: its placeholder and its `delivered` promise must both settle. */
export interface ScopedCall {
  readonly op: OpKind;
  readonly marker: string;
  placeholder?: CioResult;
  delivered?: CioResult;
  /** When `delivered` settled (ms since the epoch). */
  deliveredAt?: number;
  error?: string;
}

/** What a run leaves for the ledger. */
export interface RunRecord {
  readonly schedule: Schedule;
  readonly invocations: readonly Invocation[];
  readonly scoped: readonly ScopedCall[];
  /** What `close()` resolved, or why it did not. */
  readonly close: FlushResult | { error: string };
  readonly closeMs: number;
  /** When `close()` resolved (ms since the epoch); calls settled after it were still pending at close. */
  readonly closedAt: number;
  /** HTTP requests to the app that failed (they never should). */
  readonly httpErrors: readonly string[];
  readonly events: readonly DeliveredEvent[];
  readonly operations: readonly AcceptedOperation[];
  readonly people: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly requestCount: number;
  /** Events Customer.io dropped as ULID duplicates (retries and replays of delivered events). */
  readonly duplicates: number;
  /** Operations the client set aside as dead letters during the run (`deadLettered` events). */
  readonly deadLetters: readonly string[];
  /** What happened when, for the failure report. */
  readonly trace: readonly string[];
  readonly durationMs: number;
}

/** The arguments of a call carrying `marker`. Invalid calls break one Customer.io limit. */
export function callArgs(spec: CallSpec, marker: string): unknown[] {
  const person = PEOPLE[spec.person]!;
  switch (spec.op) {
    case 'identify':
      return [person, spec.invalid ? { m: marker, w: spec.w, ['a'.repeat(151)]: 1 } : { m: marker, w: spec.w }];
    case 'track':
      return [person, { name: spec.invalid ? 'x'.repeat(101) : 'ev', data: { m: marker } }];
    case 'trackAnonymous':
      return [`anon-${spec.person}`, { name: spec.invalid ? 'x'.repeat(101) : 'anon', data: { m: marker } }];
    case 'trackPageView':
      return [person, spec.invalid ? `/p/${marker}/${'x'.repeat(1001)}` : `/p/${marker}`];
    case 'sendEmail':
      // sendEmail has no limit the client checks before the request: an invalid one is made valid.
      return [
        {
          to: person.includes('@') ? person : `${person}@example.com`,
          identifiers: person.includes('@') ? { email: person } : { id: person },
          transactional_message_id: '1',
          message_data: { m: marker },
        },
      ];
  }
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/** The marker in a call's arguments. */
export function markerOf(op: OpKind, args: readonly unknown[]): string {
  switch (op) {
    case 'identify':
      return String(obj(args[1])['m']);
    case 'track':
    case 'trackAnonymous':
      return String(obj(obj(args[1])['data'])['m']);
    case 'trackPageView':
      return /^\/p\/([^/]+)/.exec(String(args[1]))?.[1] ?? '?';
    case 'sendEmail':
      return String(obj(obj(args[0])['message_data'])['m']);
  }
}

function personOf(op: OpKind, args: readonly unknown[]): string {
  if (op !== 'sendEmail') return String(args[0]);
  const ids = obj(obj(args[0])['identifiers']);
  return String(ids['id'] ?? ids['email']);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `promise`, or a rejection after `ms` (so a hung close fails the run instead of the whole test). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** A client that delegates to `client` and records every operation call it receives. */
function recordingClient(client: CioClient, invocations: Invocation[], started: number): CioClient {
  const ops = new Set<string>(OPS);
  // The target is a blank object: the client's own methods are non-configurable, which a Proxy may not change.
  return new Proxy({} as CioClient, {
    get(_target, prop) {
      const value: unknown = Reflect.get(client, prop, client);
      if (typeof value !== 'function') return value;
      const real = (value as (...args: unknown[]) => unknown).bind(client);
      if (typeof prop !== 'string' || !ops.has(prop)) return real;
      const op = prop as OpKind;
      return (...args: unknown[]): unknown => {
        const options = args[ARITY[op]] as CallOptions | undefined;
        const marker = markerOf(op, args);
        const inv: Invocation = {
          seq: invocations.length + 1,
          op,
          args,
          marker,
          person: personOf(op, args),
          key: options?.idempotencyKey,
          batch: options?.batch === true,
          via: marker.startsWith('s') ? 'scoped' : 'direct',
          at: Date.now() - started,
        };
        invocations.push(inv);
        try {
          const promise = real(...args) as Promise<CioResult>;
          promise.then(
            (result) => {
              inv.result = result;
              inv.settledAt = Date.now();
              if (result.error) ERROR_TEXTS.push(`${JSON.stringify(result)} ${result.error.message} ${result.error.stack ?? ''}`);
            },
            (err: unknown) => {
              inv.error = `rejected: ${String(err)}`;
            },
          );
          return promise;
        } catch (err) {
          inv.error = `threw: ${String(err)}`;
          throw err;
        }
      };
    },
  });
}

/** The Express app: `POST /do` makes the body's calls on `req.cio`, then answers 204. */
function buildApp(client: CioClient, scoped: ScopedCall[]): express.Express {
  const app = express();
  app.use(express.json());
  app.use(cioMiddleware({ client }));
  app.post('/do', (req, res) => {
    const calls = (req.body as { calls: { op: OpKind; args: unknown[] }[] }).calls;
    for (const { op, args } of calls) {
      const record: ScopedCall = { op, marker: markerOf(op, args) };
      scoped.push(record);
      const call = (req.cio[op] as (...a: unknown[]) => DeferredCall)(...args);
      call.then(
        (r) => (record.placeholder = r),
        (err: unknown) => (record.error = `placeholder rejected: ${String(err)}`),
      );
      call.delivered.then(
        (r) => {
          record.delivered = r;
          record.deliveredAt = Date.now();
        },
        (err: unknown) => (record.error = `delivered rejected: ${String(err)}`),
      );
    }
    res.status(204).end();
  });
  return app;
}

/** Runs `schedule` to the end and returns its ledger. Never throws for what the client does; only for a broken harness. */
export async function runSchedule(schedule: Schedule): Promise<RunRecord> {
  const started = Date.now();
  const trace: string[] = [];
  const note = (what: string): void => {
    trace.push(`+${Date.now() - started}ms ${what}`);
  };
  const emu = await startCioEmulator({ ...CREDS });
  const { store, cleanup } = makeStore(schedule.store);
  const client = createCioClient({ ...clientOptions(emu, schedule), queue: store });
  const invocations: Invocation[] = [];
  const scoped: ScopedCall[] = [];
  const proxy = recordingClient(client, invocations, started);
  const deadLetters: string[] = [];
  client.on('deadLettered', (e) => {
    deadLetters.push(`${e.operation} ${e.idempotencyKey || '(no key)'} ${e.error.code}`);
    note(`client: dead-lettered ${e.operation} ${e.idempotencyKey || '(no key)'} (${e.error.code}: ${e.error.message})`);
  });
  client.on('dropped', (e) => note(`client: dropped ${e.operation} ${e.idempotencyKey || '(no key)'}`));
  client.on('circuitStateChanged', (e) => note(`client: circuit ${e.state}`));
  const server: Server = buildApp(proxy, scoped).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const agent = supertest(server);

  const httpErrors: string[] = [];
  const inFlight: Promise<void>[] = [];
  const directCalls: { spec: CallSpec; args: unknown[]; key: string | undefined }[] = [];
  const requests: { calls: { op: OpKind; args: unknown[] }[]; header: string | undefined }[] = [];
  let nextMarker = 0;
  let nextKey = 0;

  const send = (request: (typeof requests)[number]): void => {
    let test = agent.post('/do').send({ calls: request.calls });
    if (request.header !== undefined) test = test.set('Idempotency-Key', request.header);
    inFlight.push(
      test.then(
        (res) => {
          if (res.status !== 204) httpErrors.push(`POST /do answered ${res.status}`);
        },
        (err: unknown) => {
          httpErrors.push(`POST /do failed: ${String(err)}`);
        },
      ),
    );
  };
  const direct = (spec: CallSpec, args: unknown[], key: string | undefined): void => {
    const options: CallOptions = { ...(key === undefined ? {} : { idempotencyKey: key }), ...(spec.batch ? { batch: true } : {}) };
    const all = [...args];
    if (Object.keys(options).length > 0) all[ARITY[spec.op]] = options;
    note(`call ${spec.op} ${markerOf(spec.op, args)}${key === undefined ? '' : ` key=${key}`}${spec.batch ? ' batch' : ''}`);
    // The promise is recorded by the proxy; a call that throws is recorded there too.
    try {
      void (proxy[spec.op] as (...a: unknown[]) => Promise<CioResult>)(...all);
    } catch {
      /* recorded */
    }
  };

  try {
    for (const step of schedule.steps) {
      switch (step.kind) {
        case 'call': {
          const args = callArgs(step.call, `d${nextMarker++}`);
          const key = step.call.keyed ? `k${nextKey++}` : undefined;
          directCalls.push({ spec: step.call, args, key });
          direct(step.call, args, key);
          break;
        }
        case 'again': {
          if (directCalls.length === 0) break;
          const earlier = directCalls[step.of % directCalls.length]!;
          const args = earlier.key !== undefined && step.fresh ? callArgs(earlier.spec, `d${nextMarker++}`) : earlier.args;
          direct(earlier.spec, args, earlier.key);
          break;
        }
        case 'request': {
          const request = {
            calls: step.calls.map((c) => ({ op: c.op, args: callArgs(c, `s${nextMarker++}`) })),
            header: step.header ? `h${nextKey++}` : undefined,
          };
          requests.push(request);
          note(`request ${request.calls.map((c) => `${c.op} ${markerOf(c.op, c.args)}`).join(', ')}${request.header ? ` header=${request.header}` : ''}`);
          send(request);
          break;
        }
        case 'resend': {
          if (requests.length === 0) break;
          const request = requests[step.of % requests.length]!;
          note(`resend ${request.calls.map((c) => markerOf(c.op, c.args)).join(', ')}${request.header ? ` header=${request.header}` : ''}`);
          send(request);
          break;
        }
        case 'fault':
          note(`fault ${JSON.stringify(step.spec)}`);
          emu.fault(step.spec);
          break;
        case 'clear':
          note('clearFaults');
          emu.clearFaults();
          break;
        case 'down':
          note('down');
          await emu.down();
          break;
        case 'up':
          note('up');
          await emu.up();
          break;
        case 'pause':
          await sleep(step.ms);
          break;
      }
      await turn();
    }

    // The app's requests have all been answered (so their scoped calls were handed to the client).
    await within(Promise.all(inFlight), 5_000, 'the requests to the app');
    emu.clearFaults();
    await emu.up();
    note('faults cleared, emulator up; close()');
    const closeStarted = Date.now();
    let close: FlushResult | { error: string };
    try {
      close = await within(client.close({ timeoutMs: CLOSE_TIMEOUT_MS }), CLOSE_TIMEOUT_MS + 5_000, 'close()');
    } catch (err) {
      close = { error: String(err) };
    }
    const closedAt = Date.now();
    const closeMs = closedAt - closeStarted;
    note(`close() → ${JSON.stringify(close)} in ${closeMs} ms`);
    // Let the callbacks of promises settled by close() run before the ledger looks, and let a
    // request the emulator holds back (delayMs) be applied as it will be, however late.
    await turn();
    const longestDelay = Math.max(0, ...schedule.steps.map((st) => (st.kind === 'fault' ? (st.spec.delayMs ?? 0) : 0)));
    if (longestDelay > 0) await sleep(longestDelay + 20);
    // A call still pending now breaks the promise; give it a second, to tell "late" from "never".
    const pending = (): boolean =>
      invocations.some((inv) => inv.result === undefined && inv.error === undefined) ||
      scoped.some((sc) => sc.error === undefined && (sc.placeholder === undefined || sc.delivered === undefined));
    for (let waited = 0; pending() && waited < 1_000; waited += 10) await sleep(10);

    return {
      schedule,
      invocations,
      scoped,
      close,
      closeMs,
      closedAt,
      httpErrors,
      events: [...emu.events],
      operations: [...emu.operations],
      people: new Map([...emu.people].map(([k, v]) => [k, { ...v }])),
      requestCount: emu.requests.length,
      duplicates: emu.duplicates,
      deadLetters,
      trace,
      durationMs: Date.now() - started,
    };
  } finally {
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await serverClosed;
    if (!client.closed) await client.close({ timeoutMs: 0 }).catch(() => undefined);
    await emu.close();
    await cleanup().catch(() => undefined);
  }
}
