import { expect } from 'chai';
import { Registry } from 'prom-client';
import { cioMetrics, CIRCUIT_STATE_VALUES } from '../../src/health/metrics.js';
import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import { assertNoSecrets, harness, type Harness } from '../support/harness.js';
import { parsePromText, sampleValue } from '../support/promText.js';

describe('health: cioMetrics (real SDK against the emulator)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('counts operations by status, retries and durations, and reads circuit and queue figures', async () => {
    const cio = h.client({ breaker: { threshold: 50, halfOpenAfterMs: 60_000 } });
    const m = cioMetrics(cio);
    for (const name of ['a', 'b', 'c']) expect((await cio.track('person-secret-id', { name, data: { email: 'x@example.com' } })).status).to.equal('sent');
    expect((await cio.track('u1', { name: '' })).status).to.equal('rejected');
    h.emu.fault({ status: 503, times: 1 });
    expect((await cio.identify('u2', { plan: 'pro' })).status).to.equal('sent');
    h.emu.fault({ status: 503 });
    expect((await cio.track('u3', { name: 'queued_one' })).status).to.equal('queued');

    const text = await m.metrics();
    assertNoSecrets(text, 'the metrics');
    expect(text).to.not.include('person-secret-id');
    expect(text).to.not.include('example.com');
    const { samples, types } = parsePromText(text);
    expect(Object.fromEntries(types)).to.deep.equal({
      customerio_operations_total: 'counter',
      customerio_operation_duration_seconds: 'histogram',
      customerio_retries_total: 'counter',
      customerio_circuit_state: 'gauge',
      customerio_queue_depth: 'gauge',
      customerio_queue_oldest_age_seconds: 'gauge',
      customerio_queue_dead_letters: 'gauge',
      customerio_queue_dropped_total: 'counter',
    });
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
    expect(v('customerio_operations_total', { operation: 'track', status: 'sent' })).to.equal(3);
    expect(v('customerio_operations_total', { operation: 'track', status: 'rejected' })).to.equal(1);
    expect(v('customerio_operations_total', { operation: 'identify', status: 'sent' })).to.equal(1);
    expect(v('customerio_operations_total', { operation: 'track', status: 'queued' })).to.equal(1);
    expect(v('customerio_retries_total', { operation: 'identify' })).to.equal(1);
    expect(v('customerio_retries_total', { operation: 'track' })).to.equal(2); // queued_one: 3 attempts, 2 retries
    expect(v('customerio_operation_duration_seconds_count', { operation: 'track', status: 'sent' })).to.equal(3);
    expect(v('customerio_operation_duration_seconds_bucket', { operation: 'track', status: 'sent', le: '+Inf' })).to.equal(3);
    expect(v('customerio_operation_duration_seconds_sum', { operation: 'track', status: 'sent' })).to.be.above(0).and.below(5);
    expect(v('customerio_circuit_state', { api: 'track' })).to.equal(CIRCUIT_STATE_VALUES.CLOSED);
    expect(v('customerio_circuit_state', { api: 'app' })).to.equal(CIRCUIT_STATE_VALUES.CLOSED);
    expect(v('customerio_operations_total', { api: 'track', operation: 'identify', status: 'sent' })).to.equal(1);
    expect(v('customerio_queue_depth')).to.equal(1);
    expect(v('customerio_queue_dead_letters')).to.equal(0);
    expect(v('customerio_queue_dropped_total')).to.equal(0);
    expect(samples.every((s) => Object.keys(s.labels).every((k) => ['api', 'operation', 'status', 'le'].includes(k)))).to.equal(true);
    expect(m.contentType).to.equal('text/plain; version=0.0.4; charset=utf-8');
    m.close();
  });

  it('reports the circuit state and the queue drops at each scrape', async () => {
    const cio = h.client({ retry: false, breaker: { threshold: 2, halfOpenAfterMs: 60_000 }, queue: memoryQueue({ maxSize: 1 }) });
    const m = cioMetrics(cio);
    const scrape = async (name: string) => sampleValue(parsePromText(await m.metrics()).samples, name);
    const isolation = cio.isolate();
    expect(await scrape('customerio_circuit_state')).to.equal(CIRCUIT_STATE_VALUES.ISOLATED);
    isolation.dispose();
    expect(await scrape('customerio_circuit_state')).to.equal(CIRCUIT_STATE_VALUES.CLOSED);
    h.emu.fault({ status: 500 });
    expect((await cio.identify('u1', {})).status).to.equal('queued');
    expect((await cio.identify('u2', {})).status).to.equal('dropped');
    expect(await scrape('customerio_circuit_state')).to.equal(CIRCUIT_STATE_VALUES.OPEN);
    expect(sampleValue(parsePromText(await m.metrics()).samples, 'customerio_circuit_state', { api: 'app' })).to.equal(CIRCUIT_STATE_VALUES.CLOSED); // Track's outage only
    expect(await scrape('customerio_queue_dropped_total')).to.equal(1);
    expect(await scrape('customerio_queue_depth')).to.equal(1);
    expect(await scrape('customerio_queue_dropped_total')).to.equal(1); // a second scrape does not add up again
    m.close();
  });

  it("uses the app's registry, refuses a second set of the same names, and close() removes them", async () => {
    const cio = h.client();
    const registry = new Registry();
    const m = cioMetrics(cio, { registry, prefix: 'app_cio_' });
    expect(m.registry).to.equal(registry);
    expect(registry.getSingleMetric('app_cio_operations_total')).to.not.equal(undefined);
    expect(() => cioMetrics(cio, { registry, prefix: 'app_cio_' })).to.throw(Error, /already has a metric named app_cio_operations_total/);
    await cio.track('u1', { name: 'one' });
    expect(sampleValue(parsePromText(await registry.metrics()).samples, 'app_cio_operations_total', { status: 'sent' })).to.equal(1);
    m.close();
    m.close();
    expect(registry.getSingleMetric('app_cio_operations_total')).to.equal(undefined);
    await cio.track('u1', { name: 'two' });
    const again = cioMetrics(cio, { registry, prefix: 'app_cio_' });
    expect(sampleValue(parsePromText(await again.metrics()).samples, 'app_cio_operations_total')).to.equal(undefined);
    again.close();
  });

  it('validates its options at once', () => {
    const cio = h.client();
    expect(() => cioMetrics(cio, { prefix: 'bad prefix' })).to.throw(TypeError, /options\.prefix must match .* got "bad prefix"/);
    expect(() => cioMetrics(cio, { buckets: [1, 0.5] })).to.throw(RangeError, /options\.buckets must be a non-empty, strictly increasing array/);
    expect(() => cioMetrics(cio, null as never)).to.throw(TypeError, /options must be an object/);
  });
});
