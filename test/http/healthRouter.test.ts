import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import supertest from 'supertest';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioHealthRouterOptions } from '../../src/http/healthRouterOptions.js';
import { assertNoSecrets, CREDS, harness, type Harness } from '../support/harness.js';
import { DRIVERS, probe } from './apps.js';

/** Waits for one emission of a client event. */
const next = (client: CioClient, event: 'circuitOpened' | 'circuitClosed'): Promise<void> =>
  new Promise((resolve) => client.once(event, () => resolve()));

for (const driver of DRIVERS) {
  describe(`http: cioHealthRouter (${driver.name})`, () => {
    let h: Harness;
    let clock: FakeTimers.Clock | undefined;
    const app = (client: CioClient, health: CioHealthRouterOptions<never> = {}) =>
      supertest(driver.build({ client, emu: h.emu, probe: probe(), health }));

    beforeEach(async () => {
      h = await harness();
    });
    afterEach(async () => {
      clock?.uninstall();
      clock = undefined;
      await h.cleanup();
    });

    it('moves 200 → 503 → 200 through an outage, with the contract body and no credential', async () => {
      // Only Date is faked: the breaker's open period runs on it, HTTP on real timers.
      clock = FakeTimers.install({ toFake: ['Date'], now: Date.now() });
      const cio = h.client({ retry: false, breaker: { threshold: 2, halfOpenAfterMs: 1_000 } });
      const agent = app(cio);
      const bodies: string[] = [];
      const check = async (status: number) => {
        const res = await agent.get('/health/customerio');
        bodies.push(res.text);
        expect(res.status).to.equal(status);
        expect(res.headers['cache-control']).to.equal('no-store');
        expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
        return res.body as { customerio: Record<string, unknown> & { queue: Record<string, unknown> } };
      };

      const before = await check(200);
      expect(before).to.deep.equal({
        customerio: {
          status: 'pass', circuit_state: 'CLOSED', failure_count: 0, last_failure: null,
          queue: { store: 'memory', depth: 0, oldest_age_ms: 0, dropped: 0, dead_letter: 0 },
          apis: {
            track: { circuit_state: 'CLOSED', failure_count: 0, last_failure: null },
            app: { circuit_state: 'CLOSED', failure_count: 0, last_failure: null },
            pipelines: { circuit_state: 'CLOSED', failure_count: 0, last_failure: null },
          },
        },
      });

      await h.emu.down();
      const opened = next(cio, 'circuitOpened');
      // One call at a time, each finished before the next: each is a failed request of its own.
      const finished = () => new Promise<void>((resolve) => cio.once('result', () => resolve()));
      for (const name of ['during_outage_1', 'during_outage_2']) {
        const done = finished();
        await agent.get(`/track?name=${name}`).expect(200);
        await done;
      }
      await opened;
      const during = await check(503);
      expect(during.customerio).to.include({ status: 'fail', circuit_state: 'OPEN', failure_count: 2 });
      expect(during.customerio['last_failure']).to.be.a('string');
      expect(during.customerio.queue).to.include({ depth: 2 });

      await h.emu.up();
      clock.tick(1_000);
      const closed = next(cio, 'circuitClosed');
      await agent.get('/track?name=after_outage').expect(200);
      await closed;
      const after = await check(200);
      expect(after.customerio).to.include({ circuit_state: 'CLOSED', failure_count: 0 });
      expect(h.emu.events.map((e) => e.name)).to.deep.equal(['after_outage']);

      for (const body of bodies) {
        assertNoSecrets(body, 'the health body');
        expect(body).to.not.include(CREDS.siteId);
      }
    });

    it('answers 503 while isolated, and 200 while degraded when degradedStatus is 200', async () => {
      const cio = h.client({ retry: false, breaker: { threshold: 1, halfOpenAfterMs: 60_000 } });
      const strict = app(cio);
      const readiness = app(cio, { degradedStatus: 200 });
      h.emu.fault({ status: 503 });
      await cio.track('u1', { name: 'fails' });
      expect(cio.health().circuit_state).to.equal('OPEN');
      expect((await strict.get('/health/customerio')).status).to.equal(503);
      const ready = await readiness.get('/health/customerio');
      expect(ready.status).to.equal(200);
      expect(ready.body.customerio.circuit_state).to.equal('OPEN');

      const isolation = cio.isolate();
      const isolated = await strict.get('/health/customerio');
      expect(isolated.status).to.equal(503);
      expect(isolated.body.customerio).to.include({ circuit_state: 'ISOLATED', status: 'fail' });
      isolation.dispose();
    });

    it("follows Track's circuit by default; degradedWhen makes an App API outage count too; a throwing rule answers 503", async () => {
      const cio = h.client({ retry: false, breaker: { threshold: 1, halfOpenAfterMs: 60_000 } });
      const byDefault = app(cio);
      const strict = app(cio, { degradedWhen: (health) => health.circuit_state !== 'CLOSED' || health.apis.app.circuit_state !== 'CLOSED' });
      const broken = app(cio, {
        degradedWhen: () => {
          throw new Error('rule failed');
        },
      });
      h.emu.fault({ status: 503, match: { api: 'app' } });
      await cio.sendEmail({ to: 'u1@example.com', identifiers: { id: 'u1' }, transactional_message_id: 1 });
      const healthy = await byDefault.get('/health/customerio');
      expect(healthy.status).to.equal(200);
      expect(healthy.body.customerio.apis.app.circuit_state).to.equal('OPEN');
      expect((await strict.get('/health/customerio')).status).to.equal(503);
      expect((await broken.get('/health/customerio')).status).to.equal(503);
    });

    it('answers 404 (as if absent) when the guard says no, sync or async', async () => {
      const cio = h.client();
      const denied = app(cio, { guard: () => false });
      const deniedAsync = app(cio, { guard: async () => false });
      const allowed = app(cio, { guard: (req: { headers: Record<string, unknown> }) => req.headers['x-ops'] === 'yes' } as CioHealthRouterOptions<never>);
      expect((await denied.get('/health/customerio')).status).to.equal(404);
      expect((await deniedAsync.get('/health/customerio')).status).to.equal(404);
      expect((await allowed.get('/health/customerio')).status).to.equal(404);
      const ok = await allowed.get('/health/customerio').set('x-ops', 'yes');
      expect(ok.status).to.equal(200);
      expect(ok.body.customerio.circuit_state).to.equal('CLOSED');
    });

    it('answers GET and HEAD on the exact path only; the rest passes on', async () => {
      const cio = h.client();
      const agent = app(cio, { path: '/ops/cio' });
      expect((await agent.get('/ops/cio')).status).to.equal(200);
      const head = await agent.head('/ops/cio');
      expect(head.status).to.equal(200);
      expect(head.headers['cache-control']).to.equal('no-store');
      expect(head.text ?? '').to.equal('');
      expect((await agent.post('/ops/cio')).status).to.equal(404);
      expect((await agent.get('/ops/cio/x')).status).to.equal(404);
      expect((await agent.get('/health/customerio')).status).to.equal(404);
      expect((await agent.get('/track?name=passes_on')).text).to.equal('ok');
    });

    it('validates its options at once', () => {
      const cio = h.client();
      const build = (client: unknown, options: unknown) => () =>
        driver.build({ client: client as CioClient, emu: h.emu, probe: probe(), middleware: false, health: options as CioHealthRouterOptions<never> });
      expect(build(undefined, {})).to.throw(TypeError, /cioHealthRouter: client must be a CioClient.*got undefined/);
      expect(build(cio, { path: 'health' })).to.throw(TypeError, /options\.path must be a path starting with '\/'.*got "health"/);
      expect(build(cio, { degradedStatus: 204 })).to.throw(RangeError, /degradedStatus must be 200 or 503, got 204/);
      expect(build(cio, { guard: 'yes' })).to.throw(TypeError, /options\.guard must be a function/);
      expect(build(cio, { degradedWhen: 'track' })).to.throw(TypeError, /options\.degradedWhen must be a function/);
      expect(build(cio, { metrics: 'on' })).to.throw(TypeError, /options\.metrics must be a boolean or an object/);
      expect(build(cio, { metrics: { path: '/health/customerio' } })).to.throw(RangeError, /metrics\.path must differ/);
    });
  });
}
