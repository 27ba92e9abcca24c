import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import type { CioEvents } from '../../src/client/events.js';
import { harness, type Harness } from '../support/harness.js';

describe('client: circuit breaker (real SDK, emulator outage)', () => {
  let h: Harness;
  let clock: FakeTimers.Clock | undefined;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    clock?.uninstall();
    clock = undefined;
    await h.cleanup();
  });

  it('opens after the threshold, rejects fast without requests, half-opens and closes', async () => {
    // Only Date is faked: the breaker's open period runs on the clock, HTTP on real timers.
    clock = FakeTimers.install({ toFake: ['Date'], now: Date.now() });
    const cio = h.client({ retry: false, breaker: { threshold: 3, halfOpenAfterMs: 10_000 }, queue: false });
    const seen: string[] = [];
    for (const e of ['circuitOpened', 'circuitHalfOpened', 'circuitClosed'] as const) cio.on(e, () => seen.push(e));

    h.emu.fault({ status: 503 });
    for (let i = 0; i < 3; i++) expect((await cio.track('u1', { name: `e${i}` })).status).to.equal('failed');
    expect(cio.health()).to.include({ circuit_state: 'OPEN', status: 'fail', failure_count: 3 });
    expect(cio.health().last_failure).to.be.a('string');
    expect(seen).to.deep.equal(['circuitOpened']);

    const before = h.emu.requests.length;
    const fast = await cio.track('u1', { name: 'while-open' });
    expect(fast.status).to.equal('failed');
    expect(fast.attempts).to.equal(0);
    expect(fast.error).to.include({ code: 'CIRCUIT_OPEN', name: 'CioCircuitOpenError' });
    expect(h.emu.requests.length).to.equal(before);

    clock.tick(9_999);
    expect((await cio.track('u1', { name: 'still-open' })).error?.code).to.equal('CIRCUIT_OPEN');
    expect(h.emu.requests.length).to.equal(before);

    h.emu.clearFaults();
    clock.tick(1);
    const probe = await cio.track('u1', { name: 'probe' });
    expect(probe.status).to.equal('sent');
    expect(seen).to.deep.equal(['circuitOpened', 'circuitHalfOpened', 'circuitClosed']);
    expect(cio.health()).to.include({ circuit_state: 'CLOSED', status: 'pass', failure_count: 0 });
  });

  it('re-opens when the half-open probe fails', async () => {
    clock = FakeTimers.install({ toFake: ['Date'], now: Date.now() });
    const cio = h.client({ retry: false, breaker: { threshold: 2, halfOpenAfterMs: 5_000 }, queue: false });
    const states: Array<CioEvents['circuitStateChanged']['state']> = [];
    cio.on('circuitStateChanged', ({ state }) => states.push(state));
    h.emu.fault({ status: 500 });
    await cio.identify('a', {});
    await cio.identify('b', {});
    clock.tick(5_000);
    const probe = await cio.identify('c', {});
    expect(probe.status).to.equal('failed');
    expect(states).to.deep.equal(['OPEN', 'HALF_OPEN', 'OPEN']);
    expect(h.emu.requests).to.have.length(3);
  });

  it('does not open on permanent failures (a bad payload is not an outage)', async () => {
    const cio = h.client({ retry: false, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } });
    h.emu.fault({ status: 400 });
    for (let i = 0; i < 5; i++) expect((await cio.identify(`u${i}`, {})).status).to.equal('rejected');
    expect(cio.health().circuit_state).to.equal('CLOSED');
    expect(cio.health().failure_count).to.equal(0);
  });

  it('sends calls to the queue while the circuit is open', async () => {
    const cio = h.client({ retry: false, breaker: { threshold: 1, halfOpenAfterMs: 60_000 } });
    h.emu.fault({ status: 503 });
    expect((await cio.track('u1', { name: 'first' })).status).to.equal('queued');
    const before = h.emu.requests.length;
    const r = await cio.track('u1', { name: 'second' });
    expect(r).to.include({ status: 'queued', attempts: 0 });
    expect(r.error?.code).to.equal('CIRCUIT_OPEN');
    expect(h.emu.requests.length).to.equal(before);
    expect(cio.health().queue.depth).to.equal(2);
  });

  it('supports the sampling breaker form', async () => {
    const cio = h.client({
      retry: false,
      queue: false,
      breaker: { sampling: true, threshold: 0.5, durationMs: 10_000, minimumRps: 0.1, halfOpenAfterMs: 60_000 },
    });
    h.emu.fault({ status: 503 });
    for (let i = 0; i < 6; i++) await cio.identify(`u${i}`, {});
    expect(cio.health().circuit_state).to.equal('OPEN');
  });

  it('can be isolated by hand (maintenance), reported as ISOLATED', async () => {
    const cio = h.client({ queue: false });
    const handle = cio.isolate();
    expect(cio.health()).to.include({ circuit_state: 'ISOLATED', status: 'fail' });
    expect((await cio.identify('u1', {})).error?.code).to.equal('CIRCUIT_OPEN');
    handle.dispose();
    expect((await cio.identify('u1', {})).status).to.equal('sent');
  });

  it('isolates the APIs that have a breaker when another has none, and releases them all', async () => {
    const cio = h.client({ queue: false, apis: { app: { breaker: false } } });
    const handle = cio.isolate();
    expect(cio.health().apis).to.deep.include({ track: { ...cio.health().apis.track, circuit_state: 'ISOLATED' } });
    expect(cio.health().apis.app.circuit_state).to.equal('CLOSED');
    expect(cio.health().apis.pipelines!.circuit_state).to.equal('ISOLATED');
    expect((await cio.sendEmail({ to: 'a@example.com', transactional_message_id: '1', identifiers: { id: 'u1' } })).status).to.equal('sent');
    handle.dispose();
    expect(cio.health().circuit_state).to.equal('CLOSED');
    expect((await cio.identify('u1', {})).status).to.equal('sent');
  });

  it('refuses to isolate a client with no breaker at all, holding nothing', () => {
    const cio = h.client({ breaker: false });
    expect(() => cio.isolate()).to.throw(TypeError, /no circuit breaker/);
    expect(cio.health().circuit_state).to.equal('CLOSED');
  });
});
