import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import { normalizeOptions, type CioClientOptions } from '../../src/client/options.js';
import { silentLogger } from '../../src/client/logger.js';
import { CioError } from '../../src/errors/CioError.js';
import { Pipeline, type RunOutcome } from '../../src/policies/pipeline.js';
import type { CircuitStateName } from '../../src/client/types.js';

/** A Customer.io-like failure as the SDK throws it. */
function sdkError(statusCode: number, retryAfter?: string): Error {
  return Object.assign(new Error('Unknown error'), {
    name: 'CustomerIORequestError',
    statusCode,
    response: { headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } },
  });
}

describe('policies: the pipeline on fake timers', () => {
  let clock: FakeTimers.Clock;
  let states: CircuitStateName[];
  beforeEach(() => {
    clock = FakeTimers.install({ now: 1_000_000 });
    states = [];
  });
  afterEach(() => clock.uninstall());

  function pipeline(extra: CioClientOptions = {}): Pipeline {
    const o = normalizeOptions({ siteId: 's', apiKey: 'k', logger: silentLogger, rateLimit: false, ...extra }, {});
    return new Pipeline(o, (t) => t, { onStateChange: (s) => states.push(s) });
  }

  /** Runs `fn`, recording the fake time of every call. */
  async function timed(p: Pipeline, failures: Error[], repeatable = true): Promise<{ outcome: RunOutcome<string>; at: number[] }> {
    const at: number[] = [];
    const start = Date.now();
    const promise = p.run(async () => {
      at.push(Date.now() - start);
      const next = failures.shift();
      if (next) throw next;
      return 'ok';
    }, { repeatable, canDefer: false });
    await clock.runAllAsync();
    return { outcome: await promise, at };
  }

  it('backs off exponentially (full jitter, capped) between attempts', async () => {
    const p = pipeline({ retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 250 } });
    const { outcome, at } = await timed(p, [sdkError(503), sdkError(503), sdkError(503)]);
    expect(outcome).to.include({ ok: true, attempts: 4 });
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps[0]).to.be.within(0, 100);
    expect(gaps[1]).to.be.within(0, 200);
    expect(gaps[2]).to.be.within(0, 250);
  });

  it('reports each run its own retries only, with runs in flight together', async () => {
    const p = pipeline({ retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 } });
    const heard: Record<string, number[]> = { a: [], b: [] };
    let releaseB!: () => void;
    const bGate = new Promise<void>((resolve) => (releaseB = resolve));
    const failures = [sdkError(503), sdkError(503)];
    const a = p.run(async () => {
      const next = failures.shift();
      if (next) throw next;
      return 'a';
    }, { repeatable: true, canDefer: false, onRetry: (attempt) => heard.a!.push(attempt) });
    const b = p.run(async () => {
      await bGate; // in flight, with its listener subscribed, while a retries
      return 'b';
    }, { repeatable: true, canDefer: false, onRetry: (attempt) => heard.b!.push(attempt) });
    void a.then(() => releaseB()); // b finishes right after a's retries, long before its timeout
    await clock.runAllAsync();
    expect((await a).ok).to.equal(true);
    expect((await b).ok).to.equal(true);
    expect(heard).to.deep.equal({ a: [2, 3], b: [] });
  });

  it('waits exactly the Retry-After of a 429', async () => {
    const p = pipeline({ retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 } });
    const { outcome, at } = await timed(p, [sdkError(429, '7')]);
    expect(outcome.ok).to.equal(true);
    expect(at).to.deep.equal([0, 7000]);
  });

  it('does not wait a Retry-After beyond retry.maxRetryAfterMs: it gives up at once', async () => {
    const p = pipeline({ retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20, maxRetryAfterMs: 5000 } });
    const { outcome, at } = await timed(p, [sdkError(429, '60')]);
    expect(outcome.ok).to.equal(false);
    expect(at).to.deep.equal([0]);
    if (!outcome.ok) expect(outcome.error.retryAfterMs).to.equal(60_000);
  });

  it('never retries a permanent 4xx', async () => {
    const p = pipeline();
    const { outcome, at } = await timed(p, [sdkError(422)]);
    expect(at).to.have.length(1);
    expect(outcome.ok).to.equal(false);
    if (!outcome.ok) expect(outcome.error).to.include({ code: 'PERMANENT', status: 422 });
  });

  it('does not repeat an ambiguous failure of a non-repeatable operation, but repeats a 503', async () => {
    const p = pipeline({ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 } });
    const a = await timed(p, [sdkError(500)], false);
    expect(a.at).to.have.length(1);
    const b = await timed(p, [sdkError(503)], false);
    expect(b.at).to.have.length(2);
  });

  it('times out an attempt at timeoutMs', async () => {
    const p = pipeline({ timeoutMs: 300, retry: false });
    const promise = p.run(() => new Promise<never>(() => {}), { repeatable: true, canDefer: false });
    await clock.tickAsync(299);
    let settled = false;
    void promise.then(() => (settled = true));
    await clock.tickAsync(0);
    expect(settled).to.equal(false);
    await clock.tickAsync(1);
    const outcome = await promise;
    expect(outcome.ok).to.equal(false);
    if (!outcome.ok) expect(outcome.error.code).to.equal('TIMEOUT');
  });

  it('opens after the threshold, stays open for halfOpenAfterMs, then half-opens and closes', async () => {
    const p = pipeline({ retry: false, breaker: { threshold: 2, halfOpenAfterMs: 30_000 } });
    await timed(p, [sdkError(503)]);
    await timed(p, [sdkError(503)]);
    expect(p.circuitState).to.equal('OPEN');
    expect(p.canProbe).to.equal(false);
    const blocked = await timed(p, []);
    expect(blocked.at).to.have.length(0);
    if (!blocked.outcome.ok) expect(blocked.outcome.error.code).to.equal('CIRCUIT_OPEN');
    clock.tick(29_999);
    expect(p.canProbe).to.equal(false);
    clock.tick(1);
    expect(p.canProbe).to.equal(true);
    const probe = await timed(p, []);
    expect(probe.outcome.ok).to.equal(true);
    expect(states).to.deep.equal(['OPEN', 'HALF_OPEN', 'CLOSED']);
    expect(p.failureCount).to.equal(0);
  });

  it('counts only outages towards the breaker', async () => {
    const p = pipeline({ retry: false, breaker: { threshold: 2, halfOpenAfterMs: 1000 } });
    for (let i = 0; i < 5; i++) await timed(p, [sdkError(400)]);
    expect(p.circuitState).to.equal('CLOSED');
    await timed(p, [new CioError('INVALID_INPUT', 'x', false)]);
    expect(p.circuitState).to.equal('CLOSED');
  });
});

describe('policies: classification of errors a function throws', () => {
  it('treats a Node.js network error code as a transient outage, surely not sent for ECONNREFUSED', async () => {
    const { classifyError } = await import('../../src/policies/classify.js');
    const refused = classifyError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), (t) => t);
    expect(refused).to.include({ code: 'NETWORK', retryable: true, maybeDelivered: false });
    const reset = classifyError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), (t) => t);
    expect(reset).to.include({ code: 'NETWORK', retryable: true, maybeDelivered: true });
    const other = classifyError(new Error('bug'), (t) => t);
    expect(other).to.include({ code: 'UNKNOWN', retryable: false });
    const badUrl = classifyError(Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' }), (t) => t);
    expect(badUrl).to.include({ code: 'CONFIG', retryable: false });
  });
});

describe('policies: Customer.io error text stays out of messages', () => {
  it('keeps the server message on serverMessage only, never in message, JSON or logs', async () => {
    const { classifyError } = await import('../../src/policies/classify.js');
    const err = Object.assign(new Error("attribute 'email' value 'alice@example.com' is invalid"), {
      name: 'CustomerIORequestError',
      statusCode: 400,
      response: { headers: {} },
    });
    const e = classifyError(err, (t) => t);
    expect(e.message).to.equal('Customer.io answered 400 (Bad Request)');
    expect(e.serverMessage).to.include('alice@example.com');
    expect(JSON.stringify(e)).to.not.include('alice');
    expect(Object.keys(e)).to.not.include('serverMessage');
  });
});
