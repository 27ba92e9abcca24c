import { expect } from 'chai';
import { CustomerIORequestError, SendEmailRequest } from 'customerio-node';
import { startCioEmulator } from '../../src/testing/index.js';
import type { AcceptedOperation, CioEmulator } from '../../src/testing/index.js';
import { CREDS, appClient, rawRequest, rejectionOf, trackClient } from '../support/emulator.js';

/** The error as a CustomerIORequestError, failing the test if it is not one. */
function asCioError(error: unknown): CustomerIORequestError {
  expect(error).to.be.instanceOf(CustomerIORequestError);
  return error as CustomerIORequestError;
}

describe('testing/emulator: fault injection', () => {
  let emu: CioEmulator;
  let clock: number;

  beforeEach(async () => {
    clock = Date.parse('2030-01-01T00:00:00Z');
    emu = await startCioEmulator({ ...CREDS, now: () => clock });
  });
  afterEach(async () => {
    await emu.close();
  });

  describe('status faults', () => {
    it('answers 503 to the next 3 requests (JSON body → CustomerIORequestError), then recovers', async () => {
      const track = trackClient(emu);
      const handle = emu.fault({ status: 503, times: 3 });
      for (let i = 0; i < 3; i++) {
        const error = asCioError(await rejectionOf(track.track('u1', { name: 'e' })));
        expect(error.statusCode).to.equal(503);
        expect(error.message).to.match(/Service Unavailable/);
        expect(JSON.parse(error.body)).to.have.nested.property('meta.error');
      }
      expect(handle.hits).to.equal(3);
      expect(handle.active).to.equal(false);
      await track.track('u1', { name: 'e' });
      expect(emu.requests.map((r) => [r.status, r.fault])).to.deep.equal([
        [503, true],
        [503, true],
        [503, true],
        [200, false],
      ]);
      expect(emu.operations).to.have.length(1);
      expect(emu.events).to.have.length(1);
    });

    it('lets the SDK retry through it, and records X-Retry-Count', async () => {
      emu.fault({ status: 503, times: 3 });
      await trackClient(emu, { maxRetries: 3 }).identify('u1', { a: 1 });
      expect(emu.requests.map((r) => [r.status, r.retryCount])).to.deep.equal([
        [503, 0],
        [503, 1],
        [503, 2],
        [200, 3],
      ]);
    });

    it('answers an HTML page (a proxy 502): the SDK throws a plain "Unable to parse JSON" Error', async () => {
      emu.fault({ status: 502, body: 'html', times: 1 });
      const error = await rejectionOf(trackClient(emu).identify('u1', {}));
      expect(error).to.be.instanceOf(Error).and.not.instanceOf(CustomerIORequestError);
      expect((error as Error).message).to.match(/^Unable to parse JSON/).and.match(/502 Bad Gateway/);
      const res = await fetch(`${emu.url}/api/v1/customers/u1`, { method: 'PUT' });
      expect(res.status).to.equal(401); // the fault is used up: a normal (unauthenticated) answer
      expect(res.headers.get('content-type')).to.match(/json/);
    });

    it('answers an empty body, or a custom one', async () => {
      emu.fault({ status: 500, body: 'empty', times: 1 });
      emu.fault({ status: 500, body: '{"meta":{"error":"custom outage"}}', times: 1 });
      emu.fault({ status: 500, body: 'plain text oops', times: 1 });
      const track = trackClient(emu);
      const empty = asCioError(await rejectionOf(track.identify('u1', {})));
      expect(empty.statusCode).to.equal(500);
      expect(empty.body).to.equal('');
      const custom = asCioError(await rejectionOf(track.identify('u1', {})));
      expect(custom.message).to.equal('custom outage');
      const text = await rejectionOf(track.identify('u1', {}));
      expect((text as Error).message).to.match(/Unable to parse JSON[\s\S]*plain text oops/);
    });

    it('sends Retry-After (seconds or an HTTP date) and defaults to 429 when only retryAfter is given', async () => {
      const track = trackClient(emu);
      emu.fault({ status: 429, retryAfter: 1, times: 1 });
      const first = asCioError(await rejectionOf(track.track('u1', { name: 'e' })));
      expect(first.statusCode).to.equal(429);
      expect(first.response.headers['retry-after']).to.equal('1');

      const date = new Date(Date.now() + 60_000).toUTCString();
      emu.fault({ retryAfter: date, times: 1 });
      const second = asCioError(await rejectionOf(track.track('u1', { name: 'e' })));
      expect(second.statusCode).to.equal(429);
      expect(second.response.headers['retry-after']).to.equal(date);

      emu.fault({ times: 1 });
      const bare = asCioError(await rejectionOf(track.track('u1', { name: 'e' })));
      expect(bare.statusCode).to.equal(503);
      expect(bare.response.headers['retry-after']).to.equal(undefined);
    });

    it('does not apply the operation even for a 2xx fault (a black hole)', async () => {
      emu.fault({ status: 202, times: 1 });
      await trackClient(emu).identify('u1', { a: 1 });
      expect(emu.requests[0]?.status).to.equal(202);
      expect(emu.people.size).to.equal(0);
      expect(emu.operations).to.have.length(0);
    });
  });

  describe('network faults', () => {
    it('hangs: the SDK times out with a DOMException TimeoutError, and the request is recorded unanswered', async () => {
      emu.fault({ hang: true, times: 1 });
      const started = Date.now();
      const error = await rejectionOf(trackClient(emu, { timeout: 200 }).track('u1', { name: 'e' }));
      expect(error).to.be.instanceOf(DOMException);
      expect((error as DOMException).name).to.equal('TimeoutError');
      expect(Date.now() - started).to.be.within(150, 2000);
      expect(emu.requests.map((r) => [r.status, r.fault, r.operation])).to.deep.equal([[null, true, 'track']]);
      expect(emu.events).to.have.length(0);
      await trackClient(emu).track('u1', { name: 'e' });
      expect(emu.events).to.have.length(1);
    });

    it('resets: the SDK sees TypeError "fetch failed" with a socket error cause', async () => {
      emu.fault({ reset: true, times: 1 });
      const error = await rejectionOf(trackClient(emu).identify('u1', { a: 1 }));
      expect(error).to.be.instanceOf(TypeError);
      expect((error as TypeError).message).to.equal('fetch failed');
      const cause = (error as TypeError).cause as { code?: string } | undefined;
      expect(cause?.code).to.be.oneOf(['ECONNRESET', 'UND_ERR_SOCKET']);
      expect(emu.requests.map((r) => [r.status, r.fault])).to.deep.equal([[null, true]]);
      expect(emu.people.size).to.equal(0);
      await trackClient(emu).identify('u1', { a: 1 });
      expect(emu.people.get('u1')).to.deep.equal({ a: 1 });
    });

    it('delays: answers normally after delayMs and applies the operation even if the client gave up', async () => {
      emu.fault({ delayMs: 120, times: 2 });
      const started = Date.now();
      await trackClient(emu).identify('u1', { a: 1 });
      expect(Date.now() - started).to.be.at.least(100);
      expect(emu.requests[0]?.status).to.equal(200);
      expect(emu.requests[0]?.fault).to.equal(true);

      // The ambiguous case: the client times out, yet the operation took effect.
      const applied = new Promise<AcceptedOperation>((resolve) => {
        const listener = (op: AcceptedOperation): void => {
          emu.off('operation', listener);
          resolve(op);
        };
        emu.on('operation', listener);
      });
      const error = await rejectionOf(trackClient(emu, { timeout: 40 }).identify('u1', { a: 2 }));
      expect((error as DOMException).name).to.equal('TimeoutError');
      expect(emu.people.get('u1')).to.deep.equal({ a: 1 });
      expect(emu.requests[1]?.status).to.equal(null);
      const op = await applied;
      expect(op.operation).to.equal('identify');
      expect(op.requestSeq).to.equal(2);
      expect(emu.people.get('u1')).to.deep.equal({ a: 2 });
      expect(emu.requests[1]?.status).to.equal(200);
    });

    it('delays then answers with a status', async () => {
      emu.fault({ delayMs: 60, status: 504, times: 1 });
      const started = Date.now();
      const error = asCioError(await rejectionOf(trackClient(emu).identify('u1', {})));
      expect(error.statusCode).to.equal(504);
      expect(Date.now() - started).to.be.at.least(50);
    });
  });

  describe('rule lifetime and matching', () => {
    it('forMs: applies during the window only (injected clock)', async () => {
      const track = trackClient(emu);
      const handle = emu.fault({ status: 503, forMs: 150 });
      expect(asCioError(await rejectionOf(track.identify('u1', {}))).statusCode).to.equal(503);
      clock += 149;
      expect(asCioError(await rejectionOf(track.identify('u1', {}))).statusCode).to.equal(503);
      expect(handle.active).to.equal(true);
      clock += 1;
      await track.identify('u1', { ok: true });
      expect(handle.active).to.equal(false);
      expect(handle.hits).to.equal(2);
      expect(emu.requests.map((r) => r.status)).to.deep.equal([503, 503, 200]);
      expect(emu.requests.map((r) => r.at - emu.requests[0]!.at)).to.deep.equal([0, 149, 150]);
    });

    it('forMs: works with the real clock too', async () => {
      const real = await startCioEmulator(CREDS);
      try {
        real.fault({ status: 503, forMs: 150 });
        expect(asCioError(await rejectionOf(trackClient(real).identify('u1', {}))).statusCode).to.equal(503);
        await new Promise((resolve) => setTimeout(resolve, 170));
        await trackClient(real).identify('u1', {});
        expect(real.requests.map((r) => r.status)).to.deep.equal([503, 200]);
      } finally {
        await real.close();
      }
    });

    it('times and forMs combine: whichever runs out first ends the rule', async () => {
      const track = trackClient(emu);
      const byTimes = emu.fault({ status: 500, times: 1, forMs: 10_000 });
      await rejectionOf(track.identify('u1', {}));
      await track.identify('u1', {});
      expect(byTimes.hits).to.equal(1);
      const byTime = emu.fault({ status: 500, times: 5, forMs: 100 });
      await rejectionOf(track.identify('u1', {}));
      clock += 100;
      await track.identify('u1', {});
      expect(byTime.hits).to.equal(1);
      expect(emu.requests.map((r) => r.status)).to.deep.equal([500, 200, 500, 200]);
    });

    it('matches by api, method, path (string or RegExp) and operation; the first matching rule wins', async () => {
      const track = trackClient(emu);
      const app = appClient(emu);
      const appFault = emu.fault({ status: 500, match: { api: 'app' } });
      const trackOnly = emu.fault({ status: 429, match: { operation: 'track' } });
      const byPath = emu.fault({ status: 418, match: { path: /^\/api\/v1\/customers\/vip\b/ } });
      const byMethod = emu.fault({ status: 405, match: { method: 'delete', path: '/api/v1/customers/u9' } });
      const catchAll = emu.fault({ status: 503, match: { operation: 'identify' } });

      expect(asCioError(await rejectionOf(app.triggerBroadcast(1))).statusCode).to.equal(500);
      expect(asCioError(await rejectionOf(track.track('vip', { name: 'e' }))).statusCode).to.equal(429); // earlier rule wins
      expect(asCioError(await rejectionOf(track.identify('vip', {}))).statusCode).to.equal(418);
      expect(asCioError(await rejectionOf(track.destroy('u9'))).statusCode).to.equal(405);
      await track.destroy('u8');
      expect(asCioError(await rejectionOf(track.identify('u8', {}))).statusCode).to.equal(503);
      await track.trackPageView('u1', '/x'); // trackPageView is not 'track'

      expect([appFault.hits, trackOnly.hits, byPath.hits, byMethod.hits, catchAll.hits]).to.deep.equal([1, 1, 1, 1, 1]);
      expect(emu.requests.map((r) => r.fault)).to.deep.equal([true, true, true, true, false, true, false]);
    });

    it('remove() and clearFaults() uninstall rules', async () => {
      const track = trackClient(emu);
      const handle = emu.fault({ status: 500 });
      await rejectionOf(track.identify('u1', {}));
      handle.remove();
      handle.remove();
      expect(handle.active).to.equal(false);
      await track.identify('u1', {});
      emu.fault({ status: 500 });
      emu.fault({ hang: true });
      emu.clearFaults();
      await track.identify('u1', {});
      expect(emu.requests.map((r) => r.status)).to.deep.equal([500, 200, 200]);
    });

    it('applies to any request, even one with bad credentials or an unknown route', async () => {
      emu.fault({ status: 503, times: 2 });
      expect((await rawRequest(emu, 'GET', '/nowhere', undefined, null)).status).to.equal(503);
      expect(asCioError(await rejectionOf(trackClient(emu, { apiKey: 'bad' }).identify('u', {}))).statusCode).to.equal(503);
      expect(emu.requests.map((r) => [r.auth, r.fault])).to.deep.equal([
        ['missing', true],
        ['invalid', true],
      ]);
    });

    it('rejects impossible specs', () => {
      expect(() => emu.fault({ times: 0 })).to.throw(RangeError, /times/);
      expect(() => emu.fault({ forMs: -1 })).to.throw(RangeError, /forMs/);
      expect(() => emu.fault({ status: 1000 })).to.throw(RangeError, /status/);
      expect(() => emu.fault({ delayMs: Number.NaN })).to.throw(RangeError, /delayMs/);
    });

    it('applies to App API sends the same way', async () => {
      emu.fault({ status: 503, times: 1, match: { operation: 'sendEmail' } });
      const req = new SendEmailRequest({ to: 'a@b.c', identifiers: { id: 'u1' }, transactional_message_id: 1 });
      expect(asCioError(await rejectionOf(appClient(emu).sendEmail(req))).statusCode).to.equal(503);
      await appClient(emu).sendEmail(req);
      expect(emu.operations.map((o) => o.operation)).to.deep.equal(['sendEmail']);
    });
  });
});
