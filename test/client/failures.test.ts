import { expect } from 'chai';
import { harness, type Harness } from '../support/harness.js';

describe('client: failures, retries and classification (real SDK, emulator faults)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('retries a 503 burst to success and delivers the event exactly once', async () => {
    const cio = h.client();
    h.emu.fault({ status: 503, times: 2 });
    const r = await cio.track('u1', { name: 'paid' });
    expect(r.status).to.equal('sent');
    expect(r.attempts).to.equal(3);
    expect(h.emu.requests.map((q) => q.status)).to.deep.equal([503, 503, 200]);
    // The same ULID went with every attempt, so a retry can never be a second event.
    const ids = new Set(h.emu.requests.map((q) => (q.body as { id?: string }).id));
    expect([...ids]).to.deep.equal([r.eventId]);
    expect(h.emu.events).to.have.length(1);
  });

  it('does not retry a 400, and resolves "rejected" with a typed error', async () => {
    const cio = h.client();
    h.emu.fault({ status: 400, times: 1 });
    const r = await cio.identify('u1', { plan: 'pro' });
    expect(r.status).to.equal('rejected');
    expect(r.attempts).to.equal(1);
    expect(r.error).to.include({ code: 'PERMANENT', retryable: false, status: 400, name: 'CioHttpError' });
    expect(h.emu.requests).to.have.length(1);
  });

  for (const status of [401, 403, 404, 422]) {
    it(`treats ${status} as permanent: one attempt, not queued`, async () => {
      const cio = h.client();
      h.emu.fault({ status });
      const r = await cio.track('u1', { name: 'x' });
      expect(r).to.include({ status: 'rejected', attempts: 1 });
      expect(h.emu.requests).to.have.length(1);
      expect(cio.health().queue.depth).to.equal(0);
    });
  }

  it('waits for 429 Retry-After before the next attempt', async () => {
    const cio = h.client();
    h.emu.fault({ status: 429, retryAfter: '0.3', times: 1 });
    const r = await cio.track('u1', { name: 'x' });
    expect(r).to.include({ status: 'sent', attempts: 2 });
    const [first, second] = h.emu.requests;
    expect(second!.at - first!.at).to.be.at.least(280);
  });

  it('queues instead of waiting when Retry-After is longer than retry.maxRetryAfterMs', async () => {
    const cio = h.client({ retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1000 } });
    h.emu.fault({ status: 429, retryAfter: 120 });
    const r = await cio.track('u1', { name: 'x' });
    expect(r.status).to.equal('queued');
    expect(r.attempts).to.equal(1);
    expect(r.error?.retryAfterMs).to.equal(120_000);
  });

  it('cuts a hanging request at the attempt timeout and retries', async () => {
    const cio = h.client({ timeoutMs: 150 });
    h.emu.fault({ hang: true, times: 1 });
    const started = Date.now();
    const r = await cio.identify('u1', { a: 1 });
    expect(r).to.include({ status: 'sent', attempts: 2 });
    expect(Date.now() - started).to.be.below(2000);
  });

  it('reports TIMEOUT when every attempt hangs (no queue)', async () => {
    const cio = h.client({ timeoutMs: 100, queue: false });
    h.emu.fault({ hang: true });
    const r = await cio.identify('u1', {});
    expect(r.status).to.equal('failed');
    expect(r.attempts).to.equal(3);
    expect(r.error).to.include({ code: 'TIMEOUT', retryable: true });
  });

  it('retries a connection reset', async () => {
    const cio = h.client();
    h.emu.fault({ reset: true, times: 1 });
    const r = await cio.track('u1', { name: 'x' });
    expect(r).to.include({ status: 'sent', attempts: 2 });
    expect(h.emu.events).to.have.length(1);
  });

  it('retries an HTML 502 from a proxy even though the SDK loses its status', async () => {
    const cio = h.client();
    h.emu.fault({ status: 502, body: 'html', times: 2 });
    const r = await cio.track('u1', { name: 'x' });
    expect(r).to.include({ status: 'sent', attempts: 3 });
  });

  it('retries a refused connection and queues when Customer.io stays unreachable', async () => {
    const cio = h.client();
    await h.emu.down();
    const r = await cio.track('u1', { name: 'x' });
    expect(r.status).to.equal('queued');
    expect(r.attempts).to.equal(3);
    expect(r.error).to.include({ code: 'NETWORK', maybeDelivered: false });
    expect(cio.health().queue.depth).to.equal(1);
  });

  it('resolves "failed" after exhausting retries when there is no queue', async () => {
    const cio = h.client({ queue: false });
    h.emu.fault({ status: 500 });
    const r = await cio.identify('u1', {});
    expect(r).to.include({ status: 'failed', attempts: 3 });
    expect(r.error).to.include({ code: 'TRANSIENT', status: 500, retryable: true });
  });

  describe('operations Customer.io cannot de-duplicate (at-most-once by default)', () => {
    const email = { to: 'a@example.com', identifiers: { id: 'u1' }, transactional_message_id: '3' };

    it('retries sendEmail after a 503 (it surely did not take effect)', async () => {
      const cio = h.client();
      h.emu.fault({ status: 503, times: 1 });
      const r = await cio.sendEmail(email);
      expect(r).to.include({ status: 'sent', attempts: 2 });
    });

    it('does not retry sendEmail after a timeout: "failed" AMBIGUOUS, kept as a dead letter', async () => {
      const cio = h.client({ timeoutMs: 100 });
      h.emu.fault({ hang: true, times: 1 });
      const r = await cio.sendEmail(email);
      expect(r.status).to.equal('failed');
      expect(r.attempts).to.equal(1);
      expect(r.error?.code).to.equal('AMBIGUOUS');
      expect(h.emu.requests).to.have.length(1);
      const dead = await cio.deadLetters();
      expect(dead).to.have.length(1);
      expect(dead[0]!.operation).to.equal('sendEmail');
      expect(dead[0]!.reason).to.match(/^AMBIGUOUS/);
      expect(cio.health().queue.dead_letter).to.equal(1);
    });

    it('does not retry triggerBroadcast after a reset once the request was sent', async () => {
      const cio = h.client();
      h.emu.fault({ reset: true, times: 1 });
      const r = await cio.triggerBroadcast(9);
      expect(r.error?.code).to.equal('AMBIGUOUS');
      expect(h.emu.requests).to.have.length(1);
    });

    it('retries after an ambiguous failure when the app chose at-least-once', async () => {
      const cio = h.client({ timeoutMs: 100, nonIdempotentDelivery: 'at-least-once' });
      h.emu.fault({ hang: true, times: 1 });
      const r = await cio.sendEmail(email);
      expect(r).to.include({ status: 'sent', attempts: 2 });
    });

    it('queues sendEmail when Customer.io refuses connections (nothing was sent)', async () => {
      const cio = h.client();
      await h.emu.down();
      const r = await cio.sendEmail(email);
      expect(r.status).to.equal('queued');
    });
  });

  it('never throws or rejects, even for nonsense arguments', async () => {
    const cio = h.client();
    const calls = [
      () => (cio.track as (...a: unknown[]) => Promise<unknown>)(),
      () => (cio.identify as (...a: unknown[]) => Promise<unknown>)(null, 5),
      () => (cio.sendEmail as (...a: unknown[]) => Promise<unknown>)('nope'),
      () => (cio.mergeCustomers as (...a: unknown[]) => Promise<unknown>)('bogus', 1, 'id', 2),
    ];
    for (const call of calls) {
      const r = (await call()) as { status: string; error?: { code: string } };
      expect(r.status).to.equal('rejected');
      expect(r.error?.code).to.equal('INVALID_INPUT');
    }
    expect(h.emu.requests).to.have.length(0);
  });
});

describe('client: client-side rate limit', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('queues a call that would wait longer than rateLimit.maxWaitMs, instead of slowing the app', async () => {
    const cio = h.client({ rateLimit: { perSecond: 1, burst: 2, maxWaitMs: 100 } });
    const results = await Promise.all([1, 2, 3, 4].map((i) => cio.identify(`u${i}`, {})));
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'queued', 'queued']);
    expect(results[2]!.error).to.include({ code: 'RATE_LIMITED', retryable: true });
    expect(results[2]!.attempts).to.equal(0);
    expect(h.emu.requests).to.have.length(2);
    expect(cio.health().circuit_state).to.equal('CLOSED');
  });

  it('waits for its turn when the wait is short', async () => {
    const cio = h.client({ rateLimit: { perSecond: 20, burst: 1, maxWaitMs: 1000 } });
    const results = await Promise.all([1, 2, 3].map((i) => cio.identify(`u${i}`, {})));
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'sent']);
    const [a, , c] = h.emu.requests;
    expect(c!.at - a!.at).to.be.at.least(80);
  });
});

describe('client: retry events', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('emits one retry event per retry, with the attempt number, delay and typed error', async () => {
    const cio = h.client();
    const retries: Array<{ attempt: number; code: string; delayMs: number }> = [];
    cio.on('retry', (e) => retries.push({ attempt: e.attempt, code: e.error.code, delayMs: e.delayMs }));
    h.emu.fault({ status: 503, times: 2 });
    const r = await cio.identify('u1', {});
    expect(r.attempts).to.equal(3);
    expect(retries.map((e) => [e.attempt, e.code])).to.deep.equal([[2, 'TRANSIENT'], [3, 'TRANSIENT']]);
    expect(retries.every((e) => e.delayMs >= 0 && e.delayMs <= 20)).to.equal(true);
  });
});

describe('client: load above the rate limit', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('never waits or drops: calls over the rate are queued and go out in a few v2 batches', async () => {
    const cio = h.client({ rateLimit: { perSecond: 20, burst: 5 }, drain: { enabled: true, intervalMs: 10, batchSize: 100 } });
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => cio.track(`p${i % 50}`, { name: 'burst', data: { i } })));
    const callMs = performance.now() - started;
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 'dropped' || s === 'failed')).to.have.length(0);
    expect(statuses.filter((s) => s === 'queued').length).to.be.greaterThan(400);
    expect(callMs).to.be.below(2_000); // nobody waited for the limiter: 500 calls at 20/s would take 25 s
    expect(await cio.flush({ timeoutMs: 10_000 })).to.include({ remaining: 0 });
    expect(h.emu.events).to.have.length(500);
    expect(h.emu.duplicates).to.equal(0);
    expect(h.emu.requests.length).to.be.below(40);
  });
});

describe('client: idempotency TTLs', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('remembers caller keys for ttlMs and content keys (opt-in) for derivedTtlMs; keyless calls reserve nothing', async () => {
    const ttls: Array<[string, number]> = [];
    const store = {
      name: 'spy',
      reserve(key: string, ttlMs: number) {
        ttls.push([key, ttlMs]);
        return true;
      },
      release() {},
    };
    const cio = h.client({ idempotency: store });
    await cio.track('u1', { name: 'a' }, { idempotencyKey: 'order-1' });
    await cio.track('u1', { name: 'b' });
    expect(ttls.map(([, t]) => t)).to.deep.equal([86_400_000]);
    const opted = h.client({ idempotency: { store, contentKeys: true } });
    await opted.track('u1', { name: 'b' });
    expect(ttls.map(([, t]) => t)).to.deep.equal([86_400_000, 60_000]);
  });
});
