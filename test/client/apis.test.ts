import { expect } from 'chai';
import { newEventId } from '../../src/idempotency/eventId.js';
import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import { appClient } from '../support/emulator.js';
import { CREDS, harness, type Harness } from '../support/harness.js';

const SEND = { to: 'u1@example.com', identifiers: { id: 'u1' }, transactional_message_id: 1 };

describe('client: each API has its own circuit breaker and rate limit', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('an App API outage opens only the App circuit: tracking goes on, and health shows each circuit', async () => {
    const cio = h.client({ retry: { maxAttempts: 1 }, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } });
    const states: Array<[string, string]> = [];
    cio.on('circuitStateChanged', (e) => states.push([e.api, e.state]));
    h.emu.fault({ status: 503, match: { api: 'app' } });
    for (let i = 0; i < 3; i++) await cio.sendEmail(SEND);
    expect(states).to.deep.equal([['app', 'OPEN']]);
    const tracked = await cio.track('u1', { name: 'still_tracked' });
    expect(tracked.status).to.equal('sent');
    expect(h.emu.events.map((e) => e.name)).to.deep.equal(['still_tracked']);
    const health = cio.health();
    expect([health.circuit_state, health.apis.track.circuit_state, health.apis.app.circuit_state]).to.deep.equal(['CLOSED', 'CLOSED', 'OPEN']);
    expect(health.status).to.equal('warn'); // Track decides "fail"; another API's open circuit is a warning
    expect(health.apis.app.failure_count).to.equal(2);
  });

  it('a Track outage leaves the App API alone', async () => {
    const cio = h.client({ retry: { maxAttempts: 1 }, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } });
    h.emu.fault({ status: 503, match: { api: 'track' } });
    for (let i = 0; i < 3; i++) expect((await cio.identify(`u${i}`, { i })).status).to.equal('queued');
    expect(cio.health().circuit_state).to.equal('OPEN');
    expect(cio.health().status).to.equal('fail');
    expect((await cio.sendEmail(SEND)).status).to.equal('sent');
  });

  it("App sends spend the App API's tokens, not Track's", async () => {
    // Track allows one request and no wait; the App API its default 100/s.
    const cio = h.client({ rateLimit: { perSecond: 1, burst: 1, maxWaitMs: 0 } });
    expect((await cio.track('u1', { name: 'one' })).status).to.equal('sent');
    const sends = await Promise.all([cio.sendEmail(SEND), cio.sendEmail(SEND), cio.sendEmail(SEND)]);
    expect(sends.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'sent']);
    // Track's bucket is empty: the next track call is over the rate and queued.
    const over = await cio.track('u1', { name: 'two' });
    expect([over.status, over.error?.code]).to.deep.equal(['queued', 'RATE_LIMITED']);
  });

  it("takes the App API's own breaker and rate limit from apis.app, with typed errors", async () => {
    const cio = h.client({ apis: { app: { rateLimit: { perSecond: 1, burst: 1 }, breaker: false } } });
    const sends = await Promise.all([cio.sendEmail(SEND), cio.sendEmail(SEND)]);
    expect(sends.map((r) => r.status)).to.deep.equal(['sent', 'queued']);
    expect(sends[1]!.error?.code).to.equal('RATE_LIMITED');
    expect(() => h.client({ apis: { app: { rateLimit: { perSecond: -1 } } } })).to.throw(RangeError, /apis\.app\.rateLimit\.perSecond/);
    expect(() => h.client({ apis: { app: 'fast' as never } })).to.throw(TypeError, /apis\.app must be an object/);
  });

  it("holds API-triggered broadcasts to Customer.io's 1 request per 10 s on top of the App API's limit", async () => {
    const cio = h.client();
    const first = await cio.triggerBroadcast(7, { promo: 'a' });
    const second = await cio.triggerBroadcast(7, { promo: 'b' });
    expect(first.status).to.equal('sent');
    expect([second.status, second.error?.code]).to.deep.equal(['queued', 'RATE_LIMITED']);
    // The App API's own bucket is not spent by the refused one: sends go on.
    expect((await cio.sendEmail(SEND)).status).to.equal('sent');
    expect(h.emu.requests.filter((r) => r.operation === 'triggerBroadcast')).to.have.length(1);
  });

  it('replays each queued operation under its own API: App sends failing do not hold Track entries back', async () => {
    const store = memoryQueue();
    // The App sends are the oldest entries: a replay that let them block would never reach Track's.
    for (let i = 0; i < 3; i++) {
      await store.push({ id: newEventId(), operation: 'sendEmail', args: [{ ...SEND, identifiers: { id: `s${i}` } }], idempotencyKey: '', personKey: `s${i}`, enqueuedAt: Date.now(), attempts: 0 });
    }
    for (let i = 0; i < 3; i++) {
      await store.push({ id: newEventId(), operation: 'identify', args: [`p${i}`, { i }], idempotencyKey: '', personKey: `p${i}`, enqueuedAt: Date.now(), attempts: 0 });
    }
    const cio = h.client({
      queue: store,
      drain: { enabled: false, batchSize: 2, intervalMs: 50 },
      retry: { maxAttempts: 1 },
      breaker: { threshold: 1, halfOpenAfterMs: 60_000 },
    });
    h.emu.fault({ status: 503, match: { api: 'app' } });
    const done = await cio.flush({ timeoutMs: 1_000 });
    expect(done).to.deep.equal({ delivered: 3, remaining: 3 });
    expect([...h.emu.people.keys()].sort()).to.deep.equal(['p0', 'p1', 'p2']);
    expect(cio.health().apis.app.circuit_state).to.equal('OPEN');
    expect(cio.health().circuit_state).to.equal('CLOSED');
    // Only the first send was tried: the others went back untried while the App circuit was open.
    expect(h.emu.requests.filter((r) => r.operation === 'sendEmail')).to.have.length(1);
  });

  it("runs a run() call given api: 'app' under the App API's policies: a Track outage does not refuse it", async () => {
    const cio = h.client({ retry: { maxAttempts: 1 }, breaker: { threshold: 1, halfOpenAfterMs: 60_000 } });
    const apis: string[] = [];
    cio.on('result', (r) => apis.push(`${r.operation}:${r.api}`));
    const app = appClient(h.emu, CREDS.appApiKey);
    h.emu.fault({ status: 503, match: { api: 'track' } });
    expect((await cio.identify('u1', { a: 1 })).status).to.equal('queued'); // opens Track's circuit
    const lookup = () => app.getCustomersByEmail('u1@example.com');
    const onApp = await cio.run('customers.lookup', lookup, { api: 'app' });
    expect(onApp.status).to.equal('sent');
    expect(onApp.value).to.have.property('results');
    const onTrack = await cio.run('customers.lookup', lookup);
    expect(onTrack.error?.code, 'under the Track API (the default) the open circuit refuses it').to.equal('CIRCUIT_OPEN');
    expect(apis).to.deep.equal(['identify:track', 'customers.lookup:app', 'customers.lookup:track']);
    const bad = await cio.run('customers.lookup', lookup, { api: 'crm' as never });
    expect([bad.status, bad.error?.code, (bad.error as { field?: string }).field]).to.deep.equal(['rejected', 'INVALID_INPUT', 'options.api']);
  });

  it("replays a custom operation registered with api: 'app' under the App API while the Track API is down", async () => {
    const cio = h.client({
      retry: { maxAttempts: 1 },
      breaker: { threshold: 1, halfOpenAfterMs: 60_000 },
      apis: { app: { breaker: { threshold: 5, halfOpenAfterMs: 60_000 } } }, // one App failure leaves its circuit closed
    });
    const app = appClient(h.emu, CREDS.appApiKey);
    let runs = 0;
    const lookup = async (email: unknown) => {
      runs++;
      return app.getCustomersByEmail(String(email));
    };
    cio.registerReplay('customers.lookup', lookup, { api: 'app' });
    expect(() => cio.registerReplay('other', lookup, { api: 'crm' as never })).to.throw(RangeError, /api must be 'track', 'app' or 'pipelines'/);
    const appDown = h.emu.fault({ status: 503, match: { api: 'app' } });
    const queued = await cio.run('customers.lookup', () => lookup('u1@example.com'), { api: 'app', queue: true, args: ['u1@example.com'] });
    expect(queued.status).to.equal('queued');
    appDown.remove();
    h.emu.fault({ status: 503, match: { api: 'track' } });
    expect((await cio.identify('u1', { a: 1 })).status).to.equal('queued'); // opens Track's circuit
    const done = await cio.flush({ timeoutMs: 300 });
    expect(done).to.deep.equal({ delivered: 1, remaining: 1 }); // the lookup replayed; Track's identify waits
    expect(runs).to.equal(2);
  });

  it('replays queued App sends while the Track API is down: an outage of one API never holds up another', async () => {
    const store = memoryQueue();
    await store.push({ id: newEventId(), operation: 'sendEmail', args: [SEND], idempotencyKey: '', personKey: 'u1@example.com', enqueuedAt: Date.now(), attempts: 0 });
    const cio = h.client({
      queue: store,
      drain: { enabled: false, batchSize: 10, intervalMs: 50 },
      retry: { maxAttempts: 1 },
      breaker: { threshold: 1, halfOpenAfterMs: 60_000 },
    });
    h.emu.fault({ status: 503, match: { api: 'track' } });
    expect((await cio.identify('p1', { a: 1 })).status).to.equal('queued'); // opens Track's circuit
    expect(cio.health().apis.track.circuit_state).to.equal('OPEN');
    const done = await cio.flush({ timeoutMs: 300 });
    expect(done).to.deep.equal({ delivered: 1, remaining: 1 });
    expect(h.emu.requests.filter((r) => r.operation === 'sendEmail' && r.status === 200)).to.have.length(1);
    // The Track entry was not tried again while its circuit was open (one request: the live call).
    expect(h.emu.requests.filter((r) => r.api === 'track')).to.have.length(1);
  });
});
