import { expect } from 'chai';
import { startCioEmulator } from '../../src/testing/index.js';
import type { CioEmulator, RecordedRequest } from '../../src/testing/index.js';
import { CREDS, rawRequest, rejectionOf, tick, trackClient } from '../support/emulator.js';

/** Count the active handles of the kinds the emulator could leak. */
function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = { TCPServerWrap: 0, TCPSocketWrap: 0, Timeout: 0 };
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind in counts) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** The `cause.code` of a fetch TypeError. */
function causeCode(error: unknown): string | undefined {
  expect(error).to.be.instanceOf(TypeError);
  expect((error as TypeError).message).to.equal('fetch failed');
  return ((error as TypeError).cause as { code?: string } | undefined)?.code;
}

describe('testing/emulator: lifecycle', () => {
  let emu: CioEmulator;

  beforeEach(async () => {
    emu = await startCioEmulator(CREDS);
  });
  afterEach(async () => {
    await emu.close();
  });

  describe('down() / up()', () => {
    it('refuses connections while down (TypeError, cause ECONNREFUSED) and serves again on the same port after up()', async () => {
      const track = trackClient(emu);
      await track.identify('u1', { a: 1 });
      await track.identify('u1', { a: 2 }); // a reused keep-alive socket must not hide the outage
      const { url, port } = emu;
      await emu.down();
      expect(emu.isUp).to.equal(false);
      expect(causeCode(await rejectionOf(track.identify('u1', { a: 3 })))).to.equal('ECONNREFUSED');
      expect(causeCode(await rejectionOf(track.track('u1', { name: 'e' })))).to.equal('ECONNREFUSED');
      expect(emu.requests).to.have.length(2); // nothing reached it

      await emu.up();
      expect(emu.isUp).to.equal(true);
      expect(emu.url).to.equal(url);
      expect(emu.port).to.equal(port);
      await track.identify('u1', { a: 4 });
      expect(emu.people.get('u1')).to.deep.equal({ a: 4 });
      expect(emu.requests.map((r) => r.seq)).to.deep.equal([1, 2, 3]);
    });

    it('cuts hanging requests when going down (the client sees a socket error, not its timeout)', async () => {
      emu.fault({ hang: true });
      const started = Date.now();
      const pending = rejectionOf(trackClient(emu, { timeout: 10_000 }).identify('u1', {}));
      await emu.waitForRequests(1);
      await emu.down();
      const error = await pending;
      expect(causeCode(error)).to.be.oneOf(['UND_ERR_SOCKET', 'ECONNRESET']);
      expect(Date.now() - started).to.be.below(5000);
    });

    it('down() and up() are idempotent and serialised', async () => {
      await Promise.all([emu.down(), emu.down()]);
      expect(emu.isUp).to.equal(false);
      await Promise.all([emu.up(), emu.up()]);
      expect(emu.isUp).to.equal(true);
      expect((await rawRequest(emu, 'GET', '/api/v1/accounts/region')).status).to.equal(200);
    });
  });

  describe('close()', () => {
    it('releases the server, every socket (hanging ones too) and timers; is idempotent', async () => {
      await emu.close();
      await tick(20);
      const before = handleCounts();

      const local = await startCioEmulator(CREDS);
      const track = trackClient(local, { timeout: 10_000 });
      await track.identify('u1', { a: 1 });
      local.fault({ hang: true, times: 1 });
      const hanging = rejectionOf(track.identify('u2', {}));
      local.fault({ delayMs: 60_000, times: 1 });
      const delayed = rejectionOf(trackClient(local, { timeout: 10_000 }).identify('u3', {}));
      const waiting = rejectionOf(local.waitForEvents(1, { timeoutMs: 60_000 }));
      await local.waitForRequests(3);
      expect(handleCounts()['TCPServerWrap']).to.be.greaterThan(before['TCPServerWrap'] ?? 0);

      await Promise.all([local.close(), local.close()]);
      await local.close();
      expect(local.isUp).to.equal(false);
      expect(causeCode(await hanging)).to.be.oneOf(['UND_ERR_SOCKET', 'ECONNRESET']);
      expect(causeCode(await delayed)).to.be.oneOf(['UND_ERR_SOCKET', 'ECONNRESET']);
      expect((await waiting as Error).message).to.match(/closed/);
      await tick(20);
      const after = handleCounts();
      expect(after['TCPServerWrap']).to.equal(before['TCPServerWrap']);
      expect(after['TCPSocketWrap']).to.be.at.most(before['TCPSocketWrap'] ?? 0);
      expect(after['Timeout']).to.be.at.most(before['Timeout'] ?? 0);

      expect(causeCode(await rejectionOf(track.identify('u1', {})))).to.equal('ECONNREFUSED');
      const upAgain = await rejectionOf(local.up());
      expect((upAgain as Error).message).to.match(/closed/);
    });
  });

  describe('waiting and notifications', () => {
    it('waitForRequests resolves as soon as enough requests arrived', async () => {
      const waiting = emu.waitForRequests(3, { timeoutMs: 2000 });
      const track = trackClient(emu);
      void track.identify('u1', {});
      void track.identify('u2', {});
      void track.identify('u3', {});
      await waiting;
      expect(emu.requests.length).to.be.at.least(3);
      await emu.waitForRequests(2); // already satisfied
    });

    it('waitForRequests rejects after timeoutMs with a clear message', async () => {
      await trackClient(emu).identify('u1', {});
      const started = Date.now();
      const error = await rejectionOf(emu.waitForRequests(5, { timeoutMs: 80 }));
      expect(Date.now() - started).to.be.within(60, 1000);
      expect((error as Error).message).to.equal('CIO emulator: timed out after 80 ms waiting for 5 requests; got 1');
    });

    it('waitForEvents counts delivered events only (not duplicates, not other operations)', async () => {
      const track = trackClient(emu);
      const waiting = emu.waitForEvents(2, { timeoutMs: 2000 });
      await track.identify('u1', {});
      await track.track('u1', { name: 'a', id: '01J0000000000000000000000A' });
      await track.track('u1', { name: 'a', id: '01J0000000000000000000000A' });
      expect(emu.events).to.have.length(1);
      const early = await Promise.race([waiting.then(() => 'resolved'), tick(30).then(() => 'pending')]);
      expect(early).to.equal('pending');
      await track.trackPageView('u1', '/b');
      await waiting;
      expect(emu.events).to.have.length(2);
      const error = await rejectionOf(emu.waitForEvents(3, { timeoutMs: 30 }));
      expect((error as Error).message).to.match(/waiting for 3 events; got 2/);
    });

    it("emits 'request' for every recorded request; off() unsubscribes", async () => {
      const seen: RecordedRequest[] = [];
      const listener = (r: RecordedRequest): void => void seen.push(r);
      expect(emu.on('request', listener)).to.equal(emu);
      const track = trackClient(emu);
      await track.identify('u1', {});
      await rejectionOf(trackClient(emu, { apiKey: 'bad' }).identify('u1', {}));
      emu.off('request', listener);
      await track.identify('u1', {});
      expect(seen.map((r) => [r.seq, r.status])).to.deep.equal([
        [1, 200],
        [2, 401],
      ]);
      expect(emu.requests).to.have.length(3);
    });

    it('survives a listener that throws', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void warnings.push(w.message);
      process.on('warning', onWarning);
      try {
        emu.on('request', () => {
          throw new Error('listener bug');
        });
        await trackClient(emu).identify('u1', { a: 1 });
        await tick(10);
      } finally {
        process.off('warning', onWarning);
      }
      expect(emu.people.get('u1')).to.deep.equal({ a: 1 });
      expect(warnings.join('\n')).to.match(/listener bug/);
    });
  });

  describe('reset()', () => {
    it('forgets records, events, people, duplicates, faults and seen event ids', async () => {
      const track = trackClient(emu);
      const id = '01J0000000000000000000000B';
      await track.identify('u1', { a: 1 });
      await track.addDevice('u1', 'tok', 'ios');
      await track.suppress('u2');
      await track.track('u1', { name: 'e', id });
      await track.track('u1', { name: 'e', id });
      const fault = emu.fault({ status: 500, match: { operation: 'destroy' } });
      expect(emu.duplicates).to.equal(1);

      emu.reset();
      expect(emu.requests).to.have.length(0);
      expect(emu.events).to.have.length(0);
      expect(emu.operations).to.have.length(0);
      expect(emu.people.size).to.equal(0);
      expect(emu.devices.size).to.equal(0);
      expect(emu.suppressed.size).to.equal(0);
      expect(emu.duplicates).to.equal(0);
      expect(fault.active).to.equal(false);

      await track.track('u1', { name: 'e', id }); // not a duplicate any more
      await track.destroy('u1'); // fault gone
      expect(emu.events).to.have.length(1);
      expect(emu.requests.map((r) => [r.seq, r.status])).to.deep.equal([
        [1, 200],
        [2, 200],
      ]);
    });
  });

  it('accepts an explicit port and host', async () => {
    const probe = await startCioEmulator();
    const port = probe.port;
    await probe.close();
    const fixed = await startCioEmulator({ ...CREDS, port, host: '127.0.0.1' });
    try {
      expect(fixed.url).to.equal(`http://127.0.0.1:${port}`);
      expect((await rawRequest(fixed, 'GET', '/api/v1/accounts/region')).status).to.equal(200);
    } finally {
      await fixed.close();
    }
  });
});
