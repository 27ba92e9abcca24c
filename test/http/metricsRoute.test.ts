import { expect } from 'chai';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import type { CioHealthRouterOptions } from '../../src/http/healthRouterOptions.js';
import { assertNoSecrets, harness, type Harness } from '../support/harness.js';
import { parsePromText, sampleValue } from '../support/promText.js';
import { DRIVERS, probe, type Probe } from './apps.js';

for (const driver of DRIVERS) {
  describe(`http: metrics served by cioHealthRouter (${driver.name})`, () => {
    let h: Harness;
    let p: Probe;
    beforeEach(async () => {
      h = await harness();
      p = probe();
    });
    afterEach(() => h.cleanup());

    it('serves Prometheus text at /metrics that counts the requests’ calls', async () => {
      const cio = h.client();
      const agent = supertest(driver.build({ client: cio, emu: h.emu, probe: p, health: { metrics: true } }));
      for (const name of ['a', 'b', 'c']) await agent.get(`/track?name=${name}`).set('x-user', 'person-1').expect(200);
      await Promise.all(p.delivered); // sent (in one batch) before the fault, so only the last call is retried
      h.emu.fault({ status: 503, times: 1 });
      await agent.get('/track?name=d').expect(200);
      const results = await Promise.all(p.delivered);
      expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'sent', 'sent']);

      const res = await agent.get('/metrics');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
      expect(res.headers['cache-control']).to.equal('no-store');
      assertNoSecrets(res.text, 'the metrics route');
      expect(res.text).to.not.include('person-1');
      const { samples, types } = parsePromText(res.text);
      expect(types.get('customerio_operations_total')).to.equal('counter');
      expect(sampleValue(samples, 'customerio_operations_total', { operation: 'track', status: 'sent' })).to.equal(4);
      expect(sampleValue(samples, 'customerio_retries_total', { operation: 'track' })).to.equal(1);
      expect(sampleValue(samples, 'customerio_operation_duration_seconds_count', { operation: 'track', status: 'sent' })).to.equal(4);
      expect(sampleValue(samples, 'customerio_circuit_state')).to.equal(0);
      expect(sampleValue(samples, 'customerio_queue_depth')).to.equal(0);
      expect((await agent.head('/metrics')).status).to.equal(200);
    });

    it('honours the metrics path, the app registry and the guard; without metrics there is no route', async () => {
      const cio = h.client();
      const registry = new Registry();
      const options = { metrics: { path: '/internal/metrics', registry, prefix: 'shop_cio_' }, guard: (req: { headers: Record<string, unknown> }) => req.headers['x-ops'] === 'yes' };
      const agent = supertest(driver.build({ client: cio, emu: h.emu, probe: p, health: options as CioHealthRouterOptions<never> }));
      expect(registry.getSingleMetric('shop_cio_operations_total')).to.not.equal(undefined);
      expect((await agent.get('/internal/metrics')).status).to.equal(404);
      const res = await agent.get('/internal/metrics').set('x-ops', 'yes');
      expect(res.status).to.equal(200);
      expect(parsePromText(res.text).types.get('shop_cio_circuit_state')).to.equal('gauge');
      expect((await agent.get('/metrics').set('x-ops', 'yes')).status).to.equal(404);

      const plain = supertest(driver.build({ client: cio, emu: h.emu, probe: p, health: {} }));
      expect((await plain.get('/metrics')).status).to.equal(404);
    });
  });
}
