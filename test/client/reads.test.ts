import { expect } from 'chai';
import { harness, type Harness } from '../support/harness.js';

describe('client: App API reads under the policies (client.read)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it("runs any APIClient read with its arguments and resolves Customer.io's answer as the value", async () => {
    const cio = h.client();
    await cio.identify('u1', { email: 'u1@example.com', plan: 'pro' });
    const byEmail = await cio.read('getCustomersByEmail', 'u1@example.com');
    expect([byEmail.status, byEmail.operation, byEmail.attempts]).to.deep.equal(['sent', 'getCustomersByEmail', 1]);
    expect(JSON.stringify(byEmail.value)).to.include('u1');
    const attributes = await cio.read('getAttributes', 'u1');
    expect(attributes.status).to.equal('sent');
    expect(JSON.stringify(attributes.value)).to.include('pro');
  });

  it('rejects a 404 (not retried, the circuit untouched) and an unknown read, with typed errors', async () => {
    const cio = h.client();
    const missing = await cio.read('getAttributes', 'nobody');
    expect([missing.status, missing.error?.code, missing.attempts]).to.deep.equal(['rejected', 'PERMANENT', 1]);
    const anyRead = cio.read as (method: string, ...args: unknown[]) => ReturnType<typeof cio.read>;
    const notARead = await anyRead.call(cio, 'sendEmail');
    expect([notARead.status, notARead.error?.code]).to.deep.equal(['rejected', 'INVALID_INPUT']);
    const unreadable = await cio.read('getAttributes', { toJSON() { throw new Error('x'); } } as never);
    expect([unreadable.status, unreadable.error?.code]).to.deep.equal(['rejected', 'INVALID_INPUT']);
    expect(cio.health().apis.app.failure_count).to.equal(0);
  });

  it("retries transient failures and counts them on the App API's breaker, never Track's, and never queues", async () => {
    const cio = h.client({ retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 }, apis: { app: { breaker: { threshold: 2, halfOpenAfterMs: 60_000 } } } });
    await cio.identify('u1', { email: 'u1@example.com' });
    h.emu.fault({ status: 503, times: 1, match: { api: 'app' } });
    const retried = await cio.read('getCustomersByEmail', 'u1@example.com');
    expect([retried.status, retried.attempts]).to.deep.equal(['sent', 2]);
    h.emu.fault({ status: 503, match: { api: 'app' } });
    const down = await cio.read('getCustomersByEmail', 'u1@example.com');
    expect([down.status, down.error?.code]).to.deep.equal(['failed', 'TRANSIENT']);
    expect(cio.health().apis.app.circuit_state).to.equal('OPEN');
    expect(cio.health().circuit_state).to.equal('CLOSED');
    const refused = await cio.read('getCustomersByEmail', 'u1@example.com');
    expect([refused.status, refused.error?.code, refused.attempts]).to.deep.equal(['failed', 'CIRCUIT_OPEN', 0]);
    expect(cio.health().queue.depth).to.equal(0);
  });

  it('resolves "failed" with code CONFIG without an App API key', async () => {
    const cio = h.client({ appApiKey: '' });
    const r = await cio.read('listSegments');
    expect([r.status, r.error?.code]).to.deep.equal(['failed', 'CONFIG']);
  });

  it("holds reads to their own rate limit (Customer.io's 10/s by default), apart from the sends'", async () => {
    // Two tokens, then one every 1000 s: the third read waits for its token, sends do not.
    const cio = h.client({ apis: { app: { readRateLimit: { perSecond: 0.001, burst: 2 } } } });
    await cio.identify('u1', { email: 'u1@example.com' });
    const reads = [cio.read('getAttributes', 'u1'), cio.read('getAttributes', 'u1'), cio.read('getAttributes', 'u1')];
    const [first, second] = await Promise.all(reads.slice(0, 2));
    expect([first!.status, second!.status]).to.deep.equal(['sent', 'sent']);
    expect((await cio.sendEmail({ to: 'u1@example.com', identifiers: { id: 'u1' }, transactional_message_id: 1 })).status).to.equal('sent');
    expect(h.emu.requests.filter((r) => r.operation === 'getAttributes')).to.have.length(2);
    await cio.close({ timeoutMs: 0 });
    const third = await reads[2]!;
    expect(third.status).to.equal('failed'); // still waiting for its token when the client closed
    expect(h.emu.requests.filter((r) => r.operation === 'getAttributes')).to.have.length(2);
    expect(() => h.client({ apis: { app: { readRateLimit: { perSecond: 0 } } } })).to.throw(RangeError, /apis\.app\.readRateLimit\.perSecond/);
  });
});
