import { expect } from 'chai';
import { SendEmailRequest } from 'customerio-node';
import { deriveIdempotencyKey } from '../../src/idempotency/keys.js';
import { createRequestScope } from '../../src/http/requestScope.js';
import { idempotencyScopeOf } from '../../src/http/requestIdempotency.js';
import { harness, LOG_LINES, type Harness } from '../support/harness.js';
import { wrapClient } from './apps.js';

describe('http: request-scoped client (real SDK against the emulator)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('holds calls until release, then hands them to the client in call order', async () => {
    const order: string[] = [];
    const client = wrapClient(h.client(), (op, real) => (op === 'identify' || op === 'track' ? (...args) => (order.push(op), real(...args)) : undefined));
    const scope = createRequestScope(client, { idempotencyScope: undefined, personId: undefined });
    const first = scope.cio.identify('u1', { plan: 'free' });
    const second = scope.cio.track('u1', { name: 'upgraded' });
    const placeholder = await first;
    expect(placeholder).to.deep.equal({ status: 'queued', operation: 'identify', idempotencyKey: '', attempts: 0 });
    expect(JSON.parse(JSON.stringify(placeholder))).to.not.have.property('delivered');
    expect(placeholder.delivered).to.equal(first.delivered);
    expect(scope.cio.dispatched).to.equal(false);
    expect(h.emu.requests).to.have.length(0);
    expect(order).to.deep.equal([]);

    scope.release();
    expect(order).to.deep.equal(['identify', 'track']);
    scope.release();
    expect(scope.cio.dispatched).to.equal(true);
    const [a, b] = await Promise.all([first.delivered, second.delivered]);
    expect([a.status, b.status]).to.deep.equal(['sent', 'sent']);
    expect([a.idempotencyKey, b.idempotencyKey]).to.deep.equal(['', '']);
    // One batch request carried both, in call order.
    expect(h.emu.operations.map((o) => o.operation)).to.deep.equal(['identify', 'track']);
    expect(h.emu.requests.map((r) => r.operation)).to.deep.equal(['batch']);
  });

  it('scopes keys by the request header: derived, own, and with optional arguments left out', async () => {
    const scope = createRequestScope(h.client(), { idempotencyScope: 'req-9', personId: undefined });
    const derived = await scope.cio.track('u1', { name: 'e' });
    const own = await scope.cio.track('u1', { name: 'e2' }, { idempotencyKey: 'mine' });
    const short = await scope.cio.identify('u2');
    expect(derived.idempotencyKey).to.equal(`req-9:${deriveIdempotencyKey('track', ['u1', { name: 'e' }])}`);
    expect(own.idempotencyKey).to.equal('req-9:mine');
    expect(short.idempotencyKey).to.equal(`req-9:${deriveIdempotencyKey('identify', ['u2'])}`);
    const again = await scope.cio.track('u1', { name: 'e' });
    expect(again.idempotencyKey).to.equal(`${derived.idempotencyKey}#2`);
    scope.release();
    const results = await Promise.all([derived.delivered, own.delivered, short.delivered, again.delivered]);
    expect(results.map((r) => [r.status, r.idempotencyKey])).to.deep.equal([
      ['sent', derived.idempotencyKey],
      ['sent', 'req-9:mine'],
      ['sent', short.idempotencyKey],
      ['sent', again.idempotencyKey],
    ]);
    expect(h.emu.people.has('u2')).to.equal(true);
  });

  it('under one Idempotency-Key, sends two identical calls of a request as two, and a retried request\'s calls once', async () => {
    const client = h.client();
    const first = createRequestScope(client, { idempotencyScope: 'req-7', personId: undefined });
    const a = first.cio.track('u1', { name: 'page_viewed' });
    const b = first.cio.track('u1', { name: 'page_viewed' });
    first.release();
    expect((await Promise.all([a.delivered, b.delivered])).map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    const retry = createRequestScope(client, { idempotencyScope: 'req-7', personId: undefined });
    const c = retry.cio.track('u1', { name: 'page_viewed' });
    const d = retry.cio.track('u1', { name: 'page_viewed' });
    const e = retry.cio.track('u1', { name: 'page_viewed' }); // a third one the first request did not make
    retry.release();
    expect((await Promise.all([c.delivered, d.delivered, e.delivered])).map((r) => r.status)).to.deep.equal(['duplicate', 'duplicate', 'sent']);
    expect(h.emu.events).to.have.length(3);
  });

  it('sends the arguments as they were at the call, not as the handler changed them after', async () => {
    const scope = createRequestScope(h.client(), { idempotencyScope: undefined, personId: undefined });
    const data = { name: 'checkout', data: { total: 10 } };
    const call = scope.cio.track('u1', data);
    data.data.total = 99;
    data.name = 'changed';
    scope.release();
    expect((await call.delivered).status).to.equal('sent');
    expect(h.emu.events.map((e) => [e.name, e.data])).to.deep.equal([['checkout', { total: 10 }]]);
  });

  it('keeps a SendEmailRequest usable through the snapshot', async () => {
    const scope = createRequestScope(h.client(), { idempotencyScope: 'req-1', personId: undefined });
    const request = new SendEmailRequest({ to: 'u1@example.com', identifiers: { id: 'u1' }, transactional_message_id: 7, message_data: { code: '123' } });
    const call = scope.cio.sendEmail(request);
    scope.release();
    expect(await call.delivered).to.include({ status: 'sent', operation: 'sendEmail' });
    const sent = h.emu.operations.find((o) => o.operation === 'sendEmail');
    expect(sent?.payload).to.deep.include({ to: 'u1@example.com', transactional_message_id: 7, message_data: { code: '123' } });
  });

  it('never throws into the handler, even for arguments whose getters throw', async () => {
    const scope = createRequestScope(h.client(), { idempotencyScope: undefined, personId: undefined });
    const hostile = { get name(): string { throw new Error('hostile-marker'); } };
    const call = scope.cio.track('u1', hostile);
    const r = await call;
    expect(r).to.include({ status: 'queued', operation: 'track', attempts: 0 });
    scope.release();
    const delivered = await call.delivered;
    expect(delivered).to.include({ status: 'rejected' });
    expect(delivered.error?.code).to.equal('INVALID_INPUT');
    expect(delivered.error?.message).to.not.include('hostile-marker');
  });

  it('reads the person id lazily from the hook; a throwing hook reads undefined and is logged', () => {
    let user: unknown;
    const cio = h.client();
    const scope = createRequestScope(cio, { idempotencyScope: undefined, personId: () => user });
    expect(scope.cio.personId).to.equal(undefined);
    user = 'p-1';
    expect(scope.cio.personId).to.equal('p-1');
    user = 42;
    expect(scope.cio.personId).to.equal('42');
    user = '';
    expect(scope.cio.personId).to.equal(undefined);
    const before = LOG_LINES.length;
    const throwing = createRequestScope(cio, { idempotencyScope: undefined, personId: () => { throw new Error('no session'); } });
    expect(throwing.cio.personId).to.equal(undefined);
    expect(LOG_LINES.slice(before).join('\n')).to.include('personId');
    expect(scope.cio.client).to.equal(cio);
  });

  it('a call made after release goes out at once and resolves with its real outcome', async () => {
    const scope = createRequestScope(h.client(), { idempotencyScope: undefined, personId: undefined });
    scope.release();
    const call = scope.cio.track('u1', { name: 'late' });
    const r = await call;
    expect(r).to.include({ status: 'sent', attempts: 1 });
    expect(await call.delivered).to.include({ status: 'sent' });
    expect(r.delivered).to.equal(call.delivered);
  });

  it('reads the Idempotency-Key header: trimmed, blank ignored, long values hashed', () => {
    expect(idempotencyScopeOf(undefined)).to.equal(undefined);
    expect(idempotencyScopeOf('   ')).to.equal(undefined);
    expect(idempotencyScopeOf(' abc ')).to.equal('abc');
    expect(idempotencyScopeOf(['first', 'second'])).to.equal('first');
    const long = idempotencyScopeOf('x'.repeat(500));
    expect(long).to.match(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(idempotencyScopeOf('x'.repeat(500))).to.equal(long);
  });
});
