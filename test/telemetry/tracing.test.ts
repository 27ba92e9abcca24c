import { context, trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createCioClient } from '../../src/client/createCioClient.js';
import { cioMiddleware } from '../../src/http/express.js';
import { createRequestScope } from '../../src/http/requestScope.js';
import { CREDS, SECRETS, fastOptions, harness, type Harness } from '../support/harness.js';

/** Values a span must never carry: who the person is and what the app says about them. */
const PERSON = 'person-6f1e-a9';
const EMAIL = 'person-6f1e@example.com';
const VALUE = 'secret-plan-value-93';

const B = { batch: true } as const;

describe('telemetry: OpenTelemetry spans (real SDK against the emulator, the SDK in-memory exporter)', () => {
  let h: Harness;
  let exporter: InMemorySpanExporter;
  let provider: TracerProvider;
  const manager = new AsyncLocalStorageContextManager();

  before(() => {
    // Parents follow the active context, as in an app with the NodeSDK (which registers this manager).
    context.setGlobalContextManager(manager.enable());
  });
  after(() => {
    context.disable();
  });
  beforeEach(async () => {
    h = await harness();
    exporter = new InMemorySpanExporter();
    provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  });
  afterEach(async () => {
    await h.cleanup();
    await provider.shutdown();
  });

  const client = (extra: Parameters<Harness['client']>[0] = {}) => h.client({ tracing: { tracerProvider: provider }, ...extra });
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
  const one = (name: string): ReadableSpan => {
    const found = named(name);
    expect(found, `spans named ${name} among ${spans().map((s) => s.name).join(', ')}`).to.have.length(1);
    return found[0]!;
  };
  const events = (s: ReadableSpan) => s.events.map((e) => [e.name, e.attributes ?? {}]);

  it('makes one span per call: operation, API, status, attempts, circuit state and event id', async () => {
    const cio = client();
    const result = await cio.track(PERSON, { name: 'signed_up', data: { plan: VALUE } });
    expect(result.status).to.equal('sent');
    const span = one('customerio track');
    expect(span.kind).to.equal(SpanKind.INTERNAL);
    expect(span.attributes).to.deep.equal({
      'customerio.operation': 'track',
      'customerio.api': 'track',
      'customerio.circuit_state': 'CLOSED',
      'customerio.event_id': result.eventId,
      'customerio.status': 'sent',
      'customerio.attempts': 1,
    });
    expect(span.status.code).to.equal(SpanStatusCode.UNSET);
    expect(span.instrumentationScope.name).to.equal('customerio-resilience');
  });

  it('records each retry and the queueing as span events; a queued call is not an error, its replay has a span of its own', async () => {
    const cio = client({ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } });
    h.emu.fault({ status: 503, times: 3 });
    const result = await cio.identify(PERSON, { plan: VALUE });
    expect(result.status).to.equal('queued');
    const span = one('customerio identify');
    expect(events(span).map(([name, attrs]) => [name, (attrs as Record<string, unknown>)['customerio.attempt'], (attrs as Record<string, unknown>)['error.type']])).to.deep.equal([
      ['customerio.retry', 2, 'TRANSIENT'],
      ['customerio.retry', 3, 'TRANSIENT'],
      ['customerio.queued', undefined, 'TRANSIENT'],
    ]);
    expect(span.attributes['customerio.status']).to.equal('queued');
    expect(span.attributes['customerio.attempts']).to.equal(3);
    expect(span.status.code).to.equal(SpanStatusCode.UNSET);

    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
    const replay = one('customerio track batch request');
    expect(replay.kind).to.equal(SpanKind.CLIENT);
    expect(replay.parentSpanContext).to.equal(undefined);
    expect(replay.attributes).to.include({ 'customerio.api': 'track', 'customerio.batch.size': 1, 'customerio.replay': true, 'customerio.status': 'sent', 'customerio.attempts': 1 });
  });

  it('gives each batch request a span linked to the spans of the calls it carries', async () => {
    const cio = client({ batch: { maxDelayMs: 20, maxItems: 100 } });
    const results = await Promise.all([cio.track(PERSON, { name: 'a' }, B), cio.identify(PERSON, { plan: VALUE }, B)]);
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    const batch = one('customerio track batch request');
    expect(batch.kind).to.equal(SpanKind.CLIENT);
    expect(batch.parentSpanContext, 'a batch request serves many calls: a root span').to.equal(undefined);
    expect(batch.attributes).to.include({ 'customerio.batch.size': 2, 'customerio.replay': false, 'customerio.status': 'sent' });
    const calls = [one('customerio track'), one('customerio identify')];
    expect(batch.links.map((l) => l.context.spanId)).to.deep.equal(calls.map((c) => c.spanContext().spanId));
    for (const c of calls) expect(events(c).map(([name]) => name)).to.deep.equal(['customerio.batched']);
  });

  it('counts the items a 207 answer refused on the batch request span, and ends the refused call in error', async () => {
    const cio = client({ batch: { maxDelayMs: 20, maxItems: 100 } });
    h.emu.fault({ status: 207, body: JSON.stringify({ errors: [{ batch_index: 1, reason: 'invalid', field: 'identifiers' }] }), times: 1 });
    const [ok, bad] = await Promise.all([cio.track('u1', { name: 'fine' }, B), cio.track('u2', { name: 'refused' }, B)]);
    expect(ok.status).to.equal('sent');
    expect(bad.status).to.equal('rejected');
    const batch = one('customerio track batch request');
    expect(batch.attributes).to.include({ 'customerio.status': 'partial', 'customerio.batch.failed': 1 });
    const refused = named('customerio track').find((s) => s.attributes['customerio.status'] === 'rejected')!;
    expect(refused.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'PERMANENT' });
    expect(refused.attributes['error.type']).to.equal('PERMANENT');
  });

  it('shows the circuit state a call met, and a call refused by the open circuit as queued', async () => {
    const cio = client({ retry: false, breaker: { threshold: 1, halfOpenAfterMs: 60_000 } });
    h.emu.fault({ status: 503 });
    expect((await cio.track('u1', { name: 'a' })).status).to.equal('queued');
    expect((await cio.track('u1', { name: 'b' })).status).to.equal('queued');
    const [first, second] = named('customerio track');
    expect(first!.attributes['customerio.circuit_state']).to.equal('CLOSED');
    expect(second!.attributes['customerio.circuit_state']).to.equal('OPEN');
    expect(events(second!)).to.deep.equal([['customerio.queued', { 'error.type': 'CIRCUIT_OPEN' }]]);
  });

  it('ends a rejected call and a dead-lettered one in error with its code', async () => {
    const cio = client();
    expect((await cio.track('', { name: 'a' })).status).to.equal('rejected');
    h.emu.fault({ status: 400, times: 1 });
    expect((await cio.identify(PERSON, { plan: VALUE })).status).to.equal('rejected');
    const [invalid, refused] = [one('customerio track'), one('customerio identify')];
    expect(invalid.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'INVALID_INPUT' });
    expect(invalid.attributes).to.include({ 'customerio.status': 'rejected', 'error.type': 'INVALID_INPUT', 'customerio.attempts': 0 });
    expect(refused.status.code).to.equal(SpanStatusCode.ERROR);
    expect(events(refused)).to.deep.equal([['customerio.dead_lettered', { 'error.type': 'PERMANENT' }]]);
  });

  it('parents a call to the active span, and runs its request inside the call span (what the SDK does is its child)', async () => {
    const cio = client();
    const tracer = provider.getTracer('app');
    let inside: Span | undefined;
    await tracer.startActiveSpan('app work', async (parent) => {
      await cio.track('u1', { name: 'a' });
      await cio.run('custom', async () => {
        inside = trace.getActiveSpan();
      });
      parent.end();
    });
    const parent = one('app work');
    const call = one('customerio track');
    const run = one('customerio custom');
    expect(call.parentSpanContext?.spanId).to.equal(parent.spanContext().spanId);
    expect(run.parentSpanContext?.spanId).to.equal(parent.spanContext().spanId);
    expect(inside?.spanContext().spanId, 'the active span inside run()').to.equal(run.spanContext().spanId);
    expect(call.spanContext().traceId).to.equal(parent.spanContext().traceId);
  });

  it('makes a composite call the parent of its parts, and spans for reads and Data Pipelines calls', async () => {
    const cio = client();
    const batch = await cio.batch([
      { type: 'person', action: 'identify', identifiers: { id: PERSON }, attributes: { plan: VALUE } },
      { type: 'person', action: 'event', identifiers: { id: PERSON }, name: 'paid' },
    ]);
    expect(batch.status).to.equal('sent');
    const composite = one('customerio batch');
    expect(composite.attributes).to.include({ 'customerio.api': 'track', 'customerio.batch.size': 2, 'customerio.status': 'sent' });
    const parts = named('customerio entity');
    expect(parts).to.have.length(2);
    for (const p of parts) expect(p.parentSpanContext?.spanId).to.equal(composite.spanContext().spanId);

    expect((await cio.pipelines.identify({ userId: PERSON, traits: { plan: VALUE } })).status).to.equal('sent');
    expect(one('customerio pipelines.identify').attributes).to.include({ 'customerio.api': 'pipelines', 'customerio.status': 'sent' });

    const read = await cio.read('getCustomersByEmail', EMAIL);
    expect(read.status).to.equal('sent');
    expect(one('customerio getCustomersByEmail').attributes).to.include({ 'customerio.api': 'app', 'customerio.status': 'sent', 'customerio.attempts': 1 });
  });

  it('parents a request-scoped call, sent after the response, to the span of its request (Express through supertest)', async () => {
    const cio = client();
    const tracer = provider.getTracer('http');
    const app = express();
    // What an HTTP instrumentation does: the request's handlers run inside its span.
    app.use((req, res, next) => {
      const span = tracer.startSpan(`${req.method} ${req.path}`);
      res.on('finish', () => span.end());
      context.with(trace.setSpan(context.active(), span), next);
    });
    app.use(cioMiddleware({ client: cio }));
    app.post('/signup', (req, res) => {
      void req.cio.identify(PERSON, { plan: VALUE });
      res.status(201).json({ ok: true });
    });
    await request(app).post('/signup').expect(201);
    await cio.flush({ timeoutMs: 5_000 });
    const http = one('POST /signup');
    const call = one('customerio identify');
    expect(call.parentSpanContext?.spanId).to.equal(http.spanContext().spanId);
    expect(h.emu.people.get(PERSON)).to.include({ plan: VALUE });
  });

  it('keeps a held call under the span it was made in, though the scope is released from another context', async () => {
    const cio = client();
    const tracer = provider.getTracer('jobs');
    const scope = tracer.startActiveSpan('job', (span) => {
      const s = createRequestScope(cio, { idempotencyScope: undefined, personId: undefined });
      void s.cio.track('u1', { name: 'held' });
      span.end();
      return s;
    });
    expect(trace.getActiveSpan(), 'released outside the span').to.equal(undefined);
    scope.release();
    await cio.flush({ timeoutMs: 5_000 });
    expect(one('customerio track').parentSpanContext?.spanId).to.equal(one('job').spanContext().spanId);
  });

  it('never puts a person id, an attribute value or a credential in a span, an event or a status', async () => {
    const cio = client({ batch: { maxDelayMs: 5, maxItems: 100 }, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 } });
    h.emu.fault({ status: 500, times: 2 });
    await cio.identify(PERSON, { plan: VALUE, email: EMAIL });
    await cio.identify(EMAIL, { plan: VALUE });
    await cio.track(PERSON, { name: 'paid', data: { plan: VALUE } }, B);
    await cio.identify(PERSON, { [VALUE]: 1 }, { idempotencyKey: `${PERSON}-key` });
    await cio.pipelines.track({ userId: PERSON, event: 'paid', properties: { plan: VALUE } });
    await cio.read('getCustomersByEmail', EMAIL);
    h.emu.fault({ status: 400, times: 1 });
    await cio.identify(PERSON, { plan: VALUE });
    await cio.flush({ timeoutMs: 5_000 });
    expect(spans().length).to.be.greaterThan(6);
    const seen = JSON.stringify(
      spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events.map((e) => [e.name, e.attributes]), status: s.status })),
    );
    for (const secret of [PERSON, EMAIL, VALUE, ...SECRETS, CREDS.siteId]) expect(seen, 'spans').not.to.include(secret);
  });

  it('uses the global tracer provider by default, and makes no span with tracing: false', async () => {
    expect(trace.setGlobalTracerProvider(provider)).to.equal(true);
    try {
      const on = createCioClient(fastOptions(h.emu));
      const off = createCioClient(fastOptions(h.emu, { tracing: false }));
      await on.track('u1', { name: 'a' });
      await off.track('u1', { name: 'b' });
      await Promise.all([on.close(), off.close()]);
      expect(spans().map((s) => s.name)).to.deep.equal(['customerio track']);
      expect(h.emu.events.map((e) => e.name)).to.deep.equal(['a', 'b']);
    } finally {
      trace.disable();
    }
  });

  it('refuses a tracing option of the wrong shape with a TypeError naming it', () => {
    expect(() => createCioClient(fastOptions(h.emu, { tracing: 'yes' as never }))).to.throw(TypeError, /tracing must be a boolean or an object/);
    expect(() => createCioClient(fastOptions(h.emu, { tracing: { tracerProvider: {} as never } }))).to.throw(TypeError, /tracing.tracerProvider must be an OpenTelemetry TracerProvider/);
  });
});
