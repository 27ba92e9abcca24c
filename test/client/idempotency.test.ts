import { expect } from 'chai';
import { harness, type Harness } from '../support/harness.js';

describe('client: idempotency guard (only a key the caller gives marks a repeat)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('sends five identical page views as five events: identical content is not a duplicate', async () => {
    const cio = h.client();
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await cio.track('u1', { name: 'page_viewed', data: { path: '/' } }));
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'sent', 'sent', 'sent']);
    expect(results.every((r) => r.idempotencyKey === '')).to.equal(true);
    expect(h.emu.events).to.have.length(5);
    expect(new Set(h.emu.events.map((e) => e.id)).size).to.equal(5);
  });

  it('leaves identify a:1, a:2, a:1 as a:1 (no update skipped)', async () => {
    const cio = h.client();
    const statuses = [];
    for (const a of [1, 2, 1]) statuses.push((await cio.identify('u1', { a })).status);
    expect(statuses).to.deep.equal(['sent', 'sent', 'sent']);
    expect(h.emu.people.get('u1')).to.include({ a: 1 });
    expect(h.emu.requests).to.have.length(3);
  });

  it('sends two concurrent identical calls without a key as two', async () => {
    const cio = h.client();
    h.emu.fault({ delayMs: 50, times: 1 });
    const [a, b] = await Promise.all([cio.track('u1', { name: 'x' }), cio.track('u1', { name: 'x' })]);
    expect([a.status, b.status]).to.deep.equal(['sent', 'sent']);
    expect(h.emu.events).to.have.length(2);
  });

  it('uses the caller\'s idempotencyKey, scoped by operation', async () => {
    const cio = h.client();
    const a = await cio.track('u1', { name: 'paid', data: { n: 1 } }, { idempotencyKey: 'order-42' });
    const b = await cio.track('u1', { name: 'paid', data: { n: 2 } }, { idempotencyKey: 'order-42' });
    const c = await cio.identify('u1', { last_order: 42 }, { idempotencyKey: 'order-42' });
    expect([a.status, b.status, c.status]).to.deep.equal(['sent', 'duplicate', 'sent']);
    expect(a.idempotencyKey).to.equal('order-42');
    expect(b).to.include({ idempotencyKey: 'order-42', attempts: 0 });
    expect(h.emu.requests).to.have.length(2);
  });

  it('makes one request for two concurrent calls with one key', async () => {
    const cio = h.client();
    h.emu.fault({ delayMs: 50, times: 1 });
    const [a, b] = await Promise.all([cio.track('u1', { name: 'x' }, { idempotencyKey: 'k' }), cio.track('u1', { name: 'x' }, { idempotencyKey: 'k' })]);
    expect([a.status, b.status].sort()).to.deep.equal(['duplicate', 'sent']);
    expect(h.emu.requests).to.have.length(1);
  });

  it('gives a call that joined a failing one with its key that failure, not "duplicate"', async () => {
    const cio = h.client({ queue: false, retry: false });
    h.emu.fault({ status: 503, delayMs: 30, times: 1 });
    const [a, b] = await Promise.all([cio.track('u1', { name: 'x' }, { idempotencyKey: 'k' }), cio.track('u1', { name: 'x' }, { idempotencyKey: 'k' })]);
    expect([a.status, b.status]).to.deep.equal(['failed', 'failed']);
    expect(b.error?.code).to.equal('TRANSIENT');
    // Nothing was delivered under the key, so it may be tried again.
    expect((await cio.track('u1', { name: 'x' }, { idempotencyKey: 'k' })).status).to.equal('sent');
  });

  it('lets a rejected call with a key be made again (nothing was delivered)', async () => {
    const cio = h.client();
    h.emu.fault({ status: 400, times: 1 });
    expect((await cio.identify('u1', { a: 1 }, { idempotencyKey: 'k' })).status).to.equal('rejected');
    expect((await cio.identify('u1', { a: 1 }, { idempotencyKey: 'k' })).status).to.equal('sent');
  });

  it('keeps the key of a queued call, so a repeat with the key is not queued twice', async () => {
    const cio = h.client();
    await h.emu.down();
    expect((await cio.track('u1', { name: 'x' }, { idempotencyKey: 'k' })).status).to.equal('queued');
    expect((await cio.track('u1', { name: 'x' }, { idempotencyKey: 'k' })).status).to.equal('duplicate');
    expect((await cio.track('u1', { name: 'x' })).status).to.equal('queued');
    expect(cio.health().queue.depth).to.equal(2);
  });

  it('keeps a very long key as its hash, and still recognises its repeat', async () => {
    const seen: string[] = [];
    const store = { name: 'spy', reserve: (key: string) => (seen.includes(key) ? false : (seen.push(key), true)), release() {} };
    const cio = h.client({ idempotency: store });
    const long = 'x'.repeat(10_000);
    const a = await cio.track('u1', { name: 'x' }, { idempotencyKey: long });
    const b = await cio.track('u1', { name: 'x' }, { idempotencyKey: long });
    expect([a.status, b.status]).to.deep.equal(['sent', 'duplicate']);
    expect(seen[0]!.length).to.be.below(100);
  });

  it('rejects a malformed idempotencyKey or call options with a typed error naming the field', async () => {
    const cio = h.client();
    const cases: Array<[unknown, string]> = [
      [{ idempotencyKey: 42 }, 'options.idempotencyKey'],
      [{ idempotencyKey: '' }, 'options.idempotencyKey'],
      [{ idempotencyKey: 'a\ud800b' }, 'options.idempotencyKey'],
      [{ batch: 'yes' }, 'options.batch'],
      ['order-1', 'options'],
    ];
    for (const [options, field] of cases) {
      const r = await cio.track('u1', { name: 'x' }, options as never);
      expect(r.status, field).to.equal('rejected');
      expect(r.error?.code).to.equal('INVALID_INPUT');
      expect(r.error).to.have.property('field', field);
    }
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const r = await cio.track('u1', { name: 'x' }, revoked.proxy as never);
    expect([r.status, r.error?.code]).to.deep.equal(['rejected', 'INVALID_INPUT']);
    expect(h.emu.requests).to.have.length(0);
  });

  it('de-duplicates identical content only when the app opts in (idempotency.contentKeys)', async () => {
    const cio = h.client({ idempotency: { contentKeys: true } });
    const a = await cio.identify('u1', { plan: 'pro', seats: 3 });
    const b = await cio.identify('u1', { seats: 3, plan: 'pro' }); // key order does not matter
    expect(a.status).to.equal('sent');
    expect(b).to.include({ status: 'duplicate', attempts: 0 });
    expect(b.idempotencyKey).to.equal(a.idempotencyKey).and.not.equal('');
    expect(h.emu.requests).to.have.length(1);
  });

  it('can be turned off: even a repeated key is sent again', async () => {
    const cio = h.client({ idempotency: false });
    await cio.identify('u1', { a: 1 }, { idempotencyKey: 'k' });
    await cio.identify('u1', { a: 1 }, { idempotencyKey: 'k' });
    expect(h.emu.requests).to.have.length(2);
  });
});
