import { expect } from 'chai';
import { harness, type Harness } from '../support/harness.js';

describe('client: one person\'s updates land in call order', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('a batched identify made after a direct one wins (a live identify carries no timestamp of its own)', async () => {
    const cio = h.client();
    await cio.identify('u1', { plan: 'free' });
    await cio.identify('u1', { plan: 'pro' }, { batch: true });
    expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
  });

  it('a retried earlier identify never lands after a later one', async () => {
    const cio = h.client();
    h.emu.fault({ reset: true, times: 1 });
    const [a, b] = await Promise.all([cio.identify('u1', { plan: 'free' }), cio.identify('u1', { plan: 'pro' })]);
    expect([a.status, b.status]).to.deep.equal(['sent', 'sent']);
    expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
  });

  it('queued identifies replay in call order, whichever failed first', async () => {
    const cio = h.client({ retry: { maxAttempts: 1 }, timeoutMs: 100 });
    h.emu.fault({ hang: true, times: 1 });
    h.emu.fault({ status: 503, times: 1 });
    const [a, b] = await Promise.all([cio.identify('u1@example.com', { plan: 'free' }), cio.identify('u1@example.com', { plan: 'pro' })]);
    expect([a.status, b.status]).to.deep.equal(['queued', 'queued']);
    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 2, remaining: 0 });
    expect(h.emu.people.get('u1@example.com')).to.include({ plan: 'pro' });
  });

  it('queues a later identify behind an earlier one still in the queue (a replay never lands after it)', async () => {
    const cio = h.client({ retry: { maxAttempts: 1 } });
    await h.emu.down();
    expect((await cio.identify('u1', { plan: 'free' })).status).to.equal('queued');
    await h.emu.up();
    const later = await cio.identify('u1', { plan: 'pro' });
    expect([later.status, later.error?.code]).to.deep.equal(['queued', 'QUEUED_BEHIND']);
    expect((await cio.identify('u2', { plan: 'x' })).status).to.equal('sent'); // other people are not held
    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 2, remaining: 0 });
    expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
    expect((await cio.identify('u1', { plan: 'team' })).status).to.equal('sent'); // the queue is empty again
  });

  it('keeps two updates of one person in one batch when they are made together', async () => {
    const cio = h.client({ batch: { maxDelayMs: 20 } });
    const results = await Promise.all([cio.identify('u1', { plan: 'free' }, { batch: true }), cio.identify('u1', { plan: 'pro' }, { batch: true })]);
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    expect(h.emu.requests.map((r) => r.operation)).to.deep.equal(['batch']);
    expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
  });

  it('a direct identify made right after a batched one (same tick) lands after it', async () => {
    const cio = h.client({ batch: { maxDelayMs: 20 } });
    const batched = cio.identify('u1', { plan: 'free' }, { batch: true });
    const direct = cio.identify('u1', { plan: 'pro' });
    expect((await Promise.all([batched, direct])).map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
  });
});
