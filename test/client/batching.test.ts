import { expect } from 'chai';
import { createCioClient } from '../../src/client/createCioClient.js';
import { CREDS, harness, type Harness } from '../support/harness.js';

const B = { batch: true } as const;

describe('client: write-behind batching ({ batch: true } calls, real SDK against the emulator)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('sends calls made together as one v2 batch, in call order, each resolving with its own outcome', async () => {
    const cio = h.client({ batch: { maxDelayMs: 50, maxItems: 100 } });
    const results = await Promise.all([
      cio.identify('u1', { plan: 'pro' }, B),
      cio.track('u1', { name: 'upgraded', data: { plan: 'pro' } }, B),
      cio.trackPageView('u1', '/pricing', B),
      cio.suppress('u2', B),
      cio.unsuppress('u2', B),
      cio.destroy('u3', B),
    ]);
    expect(results.map((r) => [r.operation, r.status, r.attempts])).to.deep.equal([
      ['identify', 'sent', 1], ['track', 'sent', 1], ['trackPageView', 'sent', 1],
      ['suppress', 'sent', 1], ['unsuppress', 'sent', 1], ['destroy', 'sent', 1],
    ]);
    expect(h.emu.requests.map((r) => [r.operation, r.status])).to.deep.equal([['batch', 200]]);
    expect(h.emu.operations.map((o) => o.operation)).to.deep.equal(['identify', 'track', 'trackPageView', 'suppress', 'unsuppress', 'destroy']);
    expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
    // The ULID each call reports is the id Customer.io got, so a repeat would be dropped there too.
    expect(h.emu.events.map((e) => e.id)).to.deep.equal([results[1]!.eventId, results[2]!.eventId]);
  });

  it('closes a batch at maxItems, and sends calls Customer.io batches cannot carry on their own route', async () => {
    const cio = h.client({ batch: { maxDelayMs: 50, maxItems: 2 } });
    const results = await Promise.all([
      cio.track('u1', { name: 'a' }, B),
      cio.track('u1', { name: 'b' }, B),
      cio.track('u1', { name: 'c' }, B),
      cio.identify('person@example.com', { plan: 'x' }, B), // an email id: only the v1 route resolves it
      cio.trackAnonymous('anon-1', { name: 'visited' }, B),
      cio.addDevice('u2', 'tok', 'ios', undefined, B),
      cio.mergeCustomers('id', 'u3', 'id', 'u4', B), // never batched: a merge must not be repeated
    ]);
    expect(results.every((r) => r.status === 'sent')).to.equal(true);
    expect(h.emu.requests.map((r) => r.operation).sort()).to.deep.equal(['batch', 'batch', 'batch', 'identify', 'mergeCustomers']);
    expect(h.emu.events.map((e) => e.name).filter((n) => n.length === 1)).to.deep.equal(['a', 'b', 'c']);
  });

  it('does not batch calls that did not ask for it', async () => {
    const cio = h.client();
    await Promise.all([cio.track('u1', { name: 'a' }), cio.track('u1', { name: 'b' })]);
    expect(h.emu.requests.map((r) => r.operation)).to.deep.equal(['track', 'track']);
  });

  it('queues every call of a batch that failed for good, then delivers them once', async () => {
    const cio = h.client({ retry: false, batch: { maxDelayMs: 10, maxItems: 100 } });
    h.emu.fault({ status: 503, times: 1 });
    const results = await Promise.all([cio.track('u1', { name: 'a' }, B), cio.identify('u2', { x: 1 }, B)]);
    expect(results.map((r) => [r.status, r.error?.code])).to.deep.equal([['queued', 'TRANSIENT'], ['queued', 'TRANSIENT']]);
    expect(cio.health().queue.depth).to.equal(2);
    const flushed = await cio.flush({ timeoutMs: 5_000 });
    expect(flushed).to.deep.equal({ delivered: 2, remaining: 0 });
    expect(h.emu.events.map((e) => [e.name, e.id])).to.deep.equal([['a', results[0]!.eventId]]);
    expect(h.emu.people.get('u2')).to.include({ x: 1 });
  });

  it('retries a batch as a whole on a transient answer (one retry for all its calls)', async () => {
    const cio = h.client({ batch: { maxDelayMs: 10, maxItems: 100 } });
    h.emu.fault({ status: 500, times: 1 });
    const results = await Promise.all([cio.track('u1', { name: 'a' }, B), cio.track('u2', { name: 'b' }, B)]);
    expect(results.map((r) => [r.status, r.attempts])).to.deep.equal([['sent', 2], ['sent', 2]]);
    expect(h.emu.requests.map((r) => [r.operation, r.status])).to.deep.equal([['batch', 500], ['batch', 200]]);
  });

  it('gives each item of a 207 answer its verdict: accepted, retried later (throttled), or rejected and kept', async () => {
    const cio = h.client({ batch: { maxDelayMs: 10, maxItems: 100 } });
    const errors = [{ batch_index: 1, reason: 'throttled' }, { batch_index: 2, reason: 'invalid', field: 'identifiers' }];
    h.emu.fault({ status: 207, body: JSON.stringify({ errors }), times: 1 });
    const results = await Promise.all([cio.track('u1', { name: 'a' }, B), cio.track('u2', { name: 'b' }, B), cio.track('u3', { name: 'c' }, B)]);
    expect(results.map((r) => [r.status, r.error?.code])).to.deep.equal([['sent', undefined], ['queued', 'TRANSIENT'], ['rejected', 'PERMANENT']]);
    expect(results[2]!.error?.message).to.equal('batch item rejected (invalid on identifiers)');
    const dead = await cio.deadLetters();
    expect(dead.map((d) => [d.operation, d.idempotencyKey, d.reason])).to.deep.equal([['track', results[2]!.idempotencyKey, 'PERMANENT: batch item rejected (invalid on identifiers)']]);
    await cio.flush({ timeoutMs: 5_000 });
    // The 207 was a fault (nothing applied); the throttled item was replayed, with the same event id.
    expect(h.emu.events.map((e) => [e.name, e.id])).to.deep.equal([['b', results[1]!.eventId]]);
  });

  it('sends each call on its own route when Customer.io refuses the batch body as a whole (400)', async () => {
    const cio = h.client({ batch: { maxDelayMs: 10, maxItems: 100 } });
    h.emu.fault({ status: 400, times: 1, match: { operation: 'batch' } });
    const results = await Promise.all([cio.track('u1', { name: 'a' }, B), cio.identify('u2', { x: 1 }, B)]);
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    expect(h.emu.requests.map((r) => [r.operation, r.status])).to.deep.equal([['batch', 400], ['track', 200], ['identify', 200]]);
  });

  it('answers every call of a batch refused for its credentials with that one error (no request per call)', async () => {
    const cio = h.client({ apiKey: 'wrong-key', batch: { maxDelayMs: 10, maxItems: 100 } });
    const results = await Promise.all([cio.track('u1', { name: 'a' }, B), cio.track('u2', { name: 'b' }, B)]);
    expect(results.map((r) => [r.status, r.error?.status])).to.deep.equal([['rejected', 401], ['rejected', 401]]);
    expect(h.emu.requests).to.have.length(1);
  });

  it('goes to the queue without a request while the circuit is open', async () => {
    const cio = h.client({ retry: false, breaker: { threshold: 1, halfOpenAfterMs: 60_000 }, batch: { maxDelayMs: 5, maxItems: 100 } });
    await h.emu.down();
    expect((await cio.track('u1', { name: 'a' }, B)).status).to.equal('queued');
    expect(cio.health().circuit_state).to.equal('OPEN');
    const before = h.emu.requests.length;
    const results = await Promise.all([cio.track('u1', { name: 'b' }, B), cio.track('u1', { name: 'c' }, B)]);
    expect(results.map((r) => [r.status, r.error?.code])).to.deep.equal([['queued', 'CIRCUIT_OPEN'], ['queued', 'CIRCUIT_OPEN']]);
    expect(h.emu.requests.length).to.equal(before);
  });

  it('uses one token of the rate limit per batch; over the rate, the batch is queued, not waited for', async () => {
    const cio = h.client({ rateLimit: { perSecond: 1, burst: 1 }, batch: { maxDelayMs: 5, maxItems: 100 } });
    const first = await Promise.all([cio.track('u1', { name: 'a' }, B), cio.track('u2', { name: 'b' }, B)]);
    const second = await Promise.all([cio.track('u3', { name: 'c' }, B), cio.track('u4', { name: 'd' }, B)]);
    expect(first.map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    expect(second.map((r) => [r.status, r.error?.code])).to.deep.equal([['queued', 'RATE_LIMITED'], ['queued', 'RATE_LIMITED']]);
    expect(h.emu.requests).to.have.length(1);
  });

  it('holds at most maxInFlight batches waiting for a hanging Customer.io and the next one; later calls are queued at once', async () => {
    const cio = h.client({ retry: false, timeoutMs: 400, batch: { maxDelayMs: 5, maxItems: 2, maxInFlight: 1 } });
    h.emu.fault({ hang: true });
    const held = [cio.track('u1', { name: 'a' }, B), cio.track('u2', { name: 'b' }, B)]; // full: goes at once, and hangs
    const waiting = [cio.track('u3', { name: 'c' }, B), cio.track('u4', { name: 'd' }, B)]; // full: waits for the slot
    const extra = await cio.track('u5', { name: 'e' }, B);
    expect([extra.status, extra.error?.code, extra.attempts]).to.deep.equal(['queued', 'BATCHES_BUSY', 0]);
    await h.emu.waitForRequests(1);
    expect(h.emu.requests).to.have.length(1);
    h.emu.clearFaults();
    const first = await Promise.all(held);
    expect(first.map((r) => [r.status, r.error?.code])).to.deep.equal([['queued', 'TIMEOUT'], ['queued', 'TIMEOUT']]);
    // The slot is free again: the waiting batch went, and Customer.io answers now.
    expect((await Promise.all(waiting)).map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    expect(h.emu.requests.map((r) => r.status)).to.deep.equal([null, 200]);
    await cio.flush({ timeoutMs: 5_000 });
    expect(h.emu.events.map((e) => e.name).sort()).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
  });

  it('sends the open batch at once on flush() and close(), without waiting for maxDelayMs', async () => {
    const cio = h.client({ batch: { maxDelayMs: 60_000, maxItems: 100 } });
    const pending = cio.track('u1', { name: 'a' }, B);
    const flushed = cio.flush({ timeoutMs: 5_000 });
    expect((await pending).status).to.equal('sent');
    await flushed;
    const last = cio.identify('u1', { plan: 'x' }, B);
    await cio.close({ timeoutMs: 5_000 });
    expect((await last).status).to.equal('sent');
    expect(h.emu.operations.map((o) => o.operation)).to.deep.equal(['track', 'identify']);
  });

  it('never coalesces identical calls without a key: two page views in one batch window are two events', async () => {
    const cio = h.client({ batch: { maxDelayMs: 10, maxItems: 100 } });
    const results = await Promise.all([cio.track('u1', { name: 'a' }, B), cio.track('u1', { name: 'a' }, B)]);
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    expect(h.emu.events).to.have.length(2);
    expect(results[0]!.idempotencyKey).to.equal('');
  });

  it('keeps the idempotency guard for a key: a repeat inside the same batch window is a duplicate', async () => {
    const cio = h.client({ batch: { maxDelayMs: 10, maxItems: 100 } });
    const K = { idempotencyKey: 'k1', batch: true };
    const results = await Promise.all([cio.track('u1', { name: 'a' }, K), cio.track('u1', { name: 'a' }, K)]);
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'duplicate']);
    expect(h.emu.operations).to.have.length(1);
  });

  it('keeps the idempotency guard between a batched call and a plain one with one key made in the same tick', async () => {
    const cio = h.client({ batch: { maxDelayMs: 10, maxItems: 100 } });
    const results = await Promise.all([cio.track('u1', { name: 'a' }, { idempotencyKey: 'k', batch: true }), cio.track('u1', { name: 'a' }, { idempotencyKey: 'k' })]);
    expect(results.map((r) => r.status).sort()).to.deep.equal(['duplicate', 'sent']);
    expect(h.emu.operations).to.have.length(1);
  });

  it('sends the batched calls made just before close(); one made after it fails as closed', async () => {
    const cio = h.client({ batch: { maxDelayMs: 60_000, maxItems: 100 } });
    const calls = [cio.track('u1', { name: 'a' }, B), cio.identify('u2', { x: 1 }, B)];
    await cio.close({ timeoutMs: 5_000 });
    expect((await Promise.all(calls)).map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    const late = await cio.track('u1', { name: 'b' }, B);
    expect([late.status, late.error?.code]).to.deep.equal(['failed', 'CLOSED']);
    expect(h.emu.operations.map((o) => o.operation)).to.deep.equal(['track', 'identify']);
  });

  it('checks the batch options: typed errors naming the option', () => {
    const make = (batch: unknown) => () => createCioClient({ ...CREDS, batch: batch as never });
    expect(make('yes')).to.throw(TypeError, /batch must be an object or false, got "yes"/);
    expect(make({ maxItems: 0 })).to.throw(RangeError, /batch\.maxItems must be a whole number >= 1, got 0/);
    expect(make({ maxItems: 1001 })).to.throw(RangeError, /batch\.maxItems must be <= 1000, got 1001/);
    expect(make({ maxDelayMs: -1 })).to.throw(RangeError, /batch\.maxDelayMs must be a finite number >= 0, got -1/);
    expect(make({ maxDelayMs: '5' })).to.throw(TypeError, /batch\.maxDelayMs must be a finite number >= 0, got "5"/);
    expect(make({ maxDelayMs: 60_001 })).to.throw(RangeError, /batch\.maxDelayMs must be <= 60000/);
    expect(make({ maxInFlight: 0.5 })).to.throw(RangeError, /batch\.maxInFlight must be a whole number >= 1, got 0.5/);
  });

  it('with batch: false, calls that ask for a batch go one by one', async () => {
    const cio = h.client({ batch: false });
    const results = await Promise.all([cio.track('u1', { name: 'a' }, B), cio.track('u1', { name: 'b' }, B)]);
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    expect(h.emu.requests.map((r) => r.operation)).to.deep.equal(['track', 'track']);
  });
});
