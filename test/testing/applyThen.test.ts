import { expect } from 'chai';
import { SendEmailRequest } from 'customerio-node';
import { startCioEmulator } from '../../src/testing/index.js';
import type { CioEmulator } from '../../src/testing/index.js';
import { CREDS, appClient, rejectionOf, trackClient } from '../support/emulator.js';

const ULID = '01HZY3K9V6Q5M8N2B4C7D1E0FG';

describe('testing/emulator: applyThen faults (applied, then the answer is lost)', () => {
  let emu: CioEmulator;

  beforeEach(async () => {
    emu = await startCioEmulator({ ...CREDS });
  });
  afterEach(async () => {
    await emu.close();
  });

  it("applyThen 'reset': the operation takes effect, the SDK sees a reset; a retry with the same ULID is dropped", async () => {
    const handle = emu.fault({ applyThen: 'reset', times: 1 });
    const track = trackClient(emu);
    const error = await rejectionOf(track.track('u1', { name: 'paid', id: ULID, data: { n: 1 } }));
    expect(error).to.be.instanceOf(TypeError);
    expect((error as TypeError).message).to.equal('fetch failed');
    expect(handle.hits).to.equal(1);
    expect(emu.requests.map((r) => [r.status, r.fault, r.operation])).to.deep.equal([[null, true, 'track']]);
    expect(emu.events.map((e) => [e.name, e.id])).to.deep.equal([['paid', ULID]]);

    await track.track('u1', { name: 'paid', id: ULID, data: { n: 1 } }); // the client's retry
    expect(emu.events).to.have.length(1);
    expect(emu.duplicates).to.equal(1);
    expect(emu.operations.map((o) => o.duplicate)).to.deep.equal([false, true]);
  });

  it("applyThen 'hang': the operation takes effect, the SDK times out", async () => {
    emu.fault({ applyThen: 'hang', times: 1 });
    const error = await rejectionOf(trackClient(emu, { timeout: 100 }).identify('u1', { plan: 'pro' }));
    expect((error as DOMException).name).to.equal('TimeoutError');
    expect(emu.people.get('u1')).to.deep.equal({ plan: 'pro' });
    expect(emu.requests.map((r) => [r.status, r.fault])).to.deep.equal([[null, true]]);
  });

  it('applies App API sends too (the at-most-once case), and v2 batches item by item', async () => {
    emu.fault({ applyThen: 'reset', times: 2 });
    const sent = rejectionOf(
      appClient(emu).sendEmail(new SendEmailRequest({ to: 'u1@example.com', identifiers: { id: 'u1' }, transactional_message_id: '7' })),
    );
    expect(await sent).to.be.instanceOf(Error);
    await rejectionOf(
      trackClient(emu).batch([
        { type: 'person', identifiers: { id: 'u2' }, action: 'identify', attributes: { a: 1 } },
        { type: 'person', identifiers: { id: 'u2' }, action: 'event', name: 'e', id: ULID },
      ]),
    );
    expect(emu.operations.map((o) => o.operation)).to.deep.equal(['sendEmail', 'identify', 'track']);
    expect(emu.people.get('u2')).to.deep.equal({ a: 1 });
    expect(emu.events).to.have.length(1);
  });

  it('waits delayMs first, and is cleared like any rule', async () => {
    emu.fault({ applyThen: 'reset', delayMs: 60 });
    const started = Date.now();
    await rejectionOf(trackClient(emu).identify('u1', { a: 1 }));
    expect(Date.now() - started).to.be.at.least(50);
    expect(emu.people.get('u1')).to.deep.equal({ a: 1 });
    emu.clearFaults();
    await trackClient(emu).identify('u1', { a: 2 });
    expect(emu.people.get('u1')).to.deep.equal({ a: 2 });
    expect(emu.requests.map((r) => r.status)).to.deep.equal([null, 200]);
  });

  it('refuses an unknown mode, or a combination with another kind', () => {
    expect(() => emu.fault({ applyThen: 'drop' as never })).to.throw(RangeError, /applyThen/);
    expect(() => emu.fault({ applyThen: 'reset', status: 503 })).to.throw(RangeError, /status/);
    expect(() => emu.fault({ applyThen: 'hang', reset: true })).to.throw(RangeError, /reset/);
    expect(() => emu.fault({ applyThen: 'hang', hang: false })).not.to.throw();
  });
});
