import { expect } from 'chai';
import { harness, type Harness } from '../helpers/setup.js';

describe('client: idempotency guard', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('sends an identical repeat once: the second resolves "duplicate"', async () => {
    const cio = h.client();
    const a = await cio.identify('u1', { plan: 'pro', seats: 3 });
    const b = await cio.identify('u1', { seats: 3, plan: 'pro' }); // key order does not matter
    expect(a.status).to.equal('sent');
    expect(b).to.include({ status: 'duplicate', attempts: 0 });
    expect(b.idempotencyKey).to.equal(a.idempotencyKey);
    expect(h.emu.requests).to.have.length(1);
  });

  it('treats different arguments as different calls', async () => {
    const cio = h.client();
    await cio.identify('u1', { plan: 'pro' });
    await cio.identify('u1', { plan: 'team' });
    expect(h.emu.requests).to.have.length(2);
  });

  it('uses the caller\'s idempotencyKey, scoped by operation', async () => {
    const cio = h.client();
    const a = await cio.track('u1', { name: 'paid', data: { n: 1 } }, { idempotencyKey: 'order-42' });
    const b = await cio.track('u1', { name: 'paid', data: { n: 2 } }, { idempotencyKey: 'order-42' });
    const c = await cio.identify('u1', { last_order: 42 }, { idempotencyKey: 'order-42' });
    expect([a.status, b.status, c.status]).to.deep.equal(['sent', 'duplicate', 'sent']);
    expect(a.idempotencyKey).to.equal('order-42');
    expect(h.emu.requests).to.have.length(2);
  });

  it('makes one request for two concurrent identical calls', async () => {
    const cio = h.client();
    h.emu.fault({ delayMs: 50, times: 1 });
    const [a, b] = await Promise.all([cio.track('u1', { name: 'x' }), cio.track('u1', { name: 'x' })]);
    expect([a.status, b.status].sort()).to.deep.equal(['duplicate', 'sent']);
    expect(h.emu.requests).to.have.length(1);
  });

  it('lets a rejected call be made again (nothing was delivered)', async () => {
    const cio = h.client();
    h.emu.fault({ status: 400, times: 1 });
    expect((await cio.identify('u1', { a: 1 })).status).to.equal('rejected');
    expect((await cio.identify('u1', { a: 1 })).status).to.equal('sent');
  });

  it('keeps the key of a queued call, so a repeat is not queued twice', async () => {
    const cio = h.client();
    await h.emu.down();
    expect((await cio.track('u1', { name: 'x' })).status).to.equal('queued');
    expect((await cio.track('u1', { name: 'x' })).status).to.equal('duplicate');
    expect(cio.health().queue.depth).to.equal(1);
  });

  it('can be turned off', async () => {
    const cio = h.client({ idempotency: false });
    await cio.identify('u1', { a: 1 });
    await cio.identify('u1', { a: 1 });
    expect(h.emu.requests).to.have.length(2);
  });
});
