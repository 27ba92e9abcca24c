import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import supertest from 'supertest';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioResult } from '../../src/client/types.js';
import { harness, LOG_LINES, type Harness } from '../support/harness.js';
import { DRIVERS, probe, recording, wrapClient, type Probe } from './apps.js';

/** The `q`-quantile of `values` (nearest rank). */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

for (const driver of DRIVERS) {
  describe(`http: cioMiddleware (${driver.name}, real SDK against the emulator)`, () => {
    let h: Harness;
    let p: Probe;
    let cio: CioClient;
    const app = (client: CioClient = cio, middleware = true) => supertest(driver.build({ client, emu: h.emu, probe: p, middleware }));

    beforeEach(async () => {
      h = await harness();
      p = probe();
      cio = h.client();
    });
    afterEach(() => h.cleanup());

    it('delivers the calls after the response has finished, not before', async () => {
      const res = await app(recording(cio, p)).get('/track?name=signed_up').set('x-user', 'u-42');
      expect(res.status).to.equal(200);
      expect(res.text).to.equal('ok');
      expect((await p.delivered[0])?.status).to.equal('sent');
      await h.emu.waitForRequests(1);
      // the real client was called only once the response had finished, and the emulator had nothing then
      expect(p.log).to.deep.equal(['finish', 'call:track']);
      expect(p.atFinish).to.deep.equal([0]);
      expect(h.emu.events.map((e) => [e.name, e.personId])).to.deep.equal([['signed_up', 'u-42']]);
    });

    it('keeps normal status and latency while Customer.io hangs', async () => {
      const slow = h.client({ timeoutMs: 2_000, retry: false });
      const agent = app(slow);
      const timed = async (name: string): Promise<number> => {
        const started = performance.now();
        const res = await agent.get(`/track?name=${name}`);
        expect(res.status).to.equal(200);
        expect(res.text).to.equal('ok');
        return performance.now() - started;
      };
      const healthy: number[] = [];
      for (let i = 0; i < 20; i++) healthy.push(await timed(`healthy_${i}`));
      await h.emu.waitForEvents(20);
      const sent = h.emu.requests.length;

      h.emu.fault({ hang: true });
      const hanging: number[] = [];
      for (let i = 0; i < 20; i++) hanging.push(await timed(`hanging_${i}`));
      await h.emu.waitForRequests(sent + 1); // the calls did go out (in batches), and hang there
      expect(h.emu.requests.slice(sent).every((r) => r.status === null)).to.equal(true);
      expect(Math.max(...hanging)).to.be.below(200, `hanging latencies ${hanging.map((n) => n.toFixed(1)).join(', ')}`);
      expect(quantile(hanging, 0.99)).to.be.below(quantile(healthy, 0.99) + 50);
    });

    it('still sends when the handler throws, and the app error handling is unchanged', async () => {
      const without = await app(cio, false).get('/throw');
      const withCio = await app().get('/throw');
      expect(withCio.status).to.equal(500);
      expect([withCio.status, withCio.text, withCio.headers['content-type']]).to.deep.equal([without.status, without.text, without.headers['content-type']]);
      expect(p.errors).to.deep.equal(['boom', 'boom']);
      expect(p.delivered).to.have.length(1);
      expect((await p.delivered[0])?.status).to.equal('sent');
      expect(h.emu.events.map((e) => e.name)).to.deep.equal(['before_throw']);
    });

    it('resolves an awaited call at once (no deadlock) with a placeholder, and delivers it after', async () => {
      const res = await app().get('/await');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ status: 'queued', keys: ['status', 'operation', 'idempotencyKey', 'attempts'] });
      const delivered = await p.delivered[0];
      expect(delivered).to.include({ status: 'sent', operation: 'track', attempts: 1 });
      expect(h.emu.events.map((e) => e.name)).to.deep.equal(['awaited']);
    });

    it('dispatches the calls of a request whose client disconnected before the response', async () => {
      const server: Server = createServer(driver.build({ client: cio, emu: h.emu, probe: p }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const req = httpRequest({ host: '127.0.0.1', port, path: '/hang' });
        req.on('error', () => {});
        req.end();
        await p.entered;
        expect(h.emu.requests).to.have.length(0);
        req.destroy();
        const result = await p.delivered[0];
        expect(result?.status).to.equal('sent');
        expect(h.emu.events.map((e) => e.name)).to.deep.equal(['abandoned']);
        expect(p.log).to.not.include('finish');
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('sends once for a repeated request with the same Idempotency-Key, twice for different keys', async () => {
      const agent = app();
      for (const key of ['order-1', 'order-1', 'order-2']) {
        const res = await agent.post('/order').set('Idempotency-Key', key);
        expect(res.status).to.equal(201);
      }
      const results = await Promise.all(p.delivered);
      expect(results.map((r) => r.status)).to.deep.equal(['sent', 'duplicate', 'sent']);
      expect(results[0]?.idempotencyKey).to.match(/^order-1:track:/);
      expect(results[0]?.idempotencyKey).to.equal(results[1]?.idempotencyKey);
      expect(results[2]?.idempotencyKey).to.match(/^order-2:track:/);
      expect(h.emu.operations.filter((o) => o.operation === 'track')).to.have.length(2);
      expect(h.emu.events.map((e) => e.name)).to.deep.equal(['order_placed', 'order_placed']);
    });

    it('sends a call made after the response has finished at once, with its real outcome', async () => {
      await app().get('/scoped');
      const kept = p.scoped[0];
      if (!kept) throw new Error('the handler did not run');
      await kept.finished;
      expect(kept.cio.dispatched).to.equal(true);
      const r: CioResult = await kept.cio.identify('u7', { plan: 'pro' });
      expect(r).to.include({ status: 'sent', operation: 'identify', attempts: 1 });
      expect(h.emu.people.get('u7')).to.include({ plan: 'pro' });
    });

    it('gives the person id from the hook, and undefined without the header', async () => {
      await app().get('/track?name=a').set('x-user', 'p-1');
      await app().get('/track?name=b');
      await Promise.all(p.delivered);
      expect(h.emu.events.map((e) => [e.name, e.personId])).to.deep.equal([['a', 'p-1'], ['b', 'anon']]);
    });

    it('swallows and logs a failure of the dispatch itself; the response is unaffected', async () => {
      const broken = wrapClient(cio, (op) => (op === 'track' ? () => { throw new Error('client bug'); } : undefined));
      const before = LOG_LINES.length;
      const res = await app(broken).get('/track?name=x');
      expect(res.status).to.equal(200);
      const r = await p.delivered[0];
      expect(r).to.include({ status: 'failed', operation: 'track', attempts: 0 });
      expect(r?.error?.code).to.equal('UNKNOWN');
      expect(LOG_LINES.slice(before).some((l) => l.includes('could not be dispatched'))).to.equal(true);
    });
  });
}
