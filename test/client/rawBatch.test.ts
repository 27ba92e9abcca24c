import { expect } from 'chai';
import { createRequestScope } from '../../src/http/requestScope.js';
import { isUlid } from '../../src/internal/ulid.js';
import { harness, type Harness } from '../support/harness.js';

const person = (id: string, action: string, extra: Record<string, unknown> = {}) => ({ type: 'person', action, identifiers: { id }, ...extra });

describe('client: batch(operations), the caller\'s own Track v2 operations', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('delivers each operation as an entity call, together in one v2 batch request, with a result per operation', async () => {
    const cio = h.client();
    const r = await cio.batch([
      person('u1', 'identify', { attributes: { plan: 'pro' } }),
      person('u1', 'event', { name: 'upgraded' }),
      { type: 'object', action: 'identify', identifiers: { object_type_id: '1', object_id: 'acme' }, attributes: { seats: 5 } },
    ]);
    expect(r.status).to.equal('sent');
    expect(r.operation).to.equal('batch');
    expect(r.items.map((i) => [i.operation, i.status])).to.deep.equal([
      ['entity', 'sent'],
      ['entity', 'sent'],
      ['entity', 'sent'],
    ]);
    // The event got a ULID (Customer.io drops a replay of it); the upserts carry none.
    expect(isUlid(r.items[1]!.eventId)).to.equal(true);
    expect(r.items[0]!.eventId ?? '').to.equal('');
    expect(h.emu.requests.filter((q) => q.path === '/api/v2/batch')).to.have.length(1);
    expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
    expect(h.emu.events.map((e) => [e.name, e.id])).to.deep.equal([['upgraded', r.items[1]!.eventId]]);
  });

  it('rejects the whole call, sending nothing, when one operation is invalid, naming where', async () => {
    const cio = h.client();
    const bad = await cio.batch([person('u1', 'identify'), person('u2', 'merge'), person('u3', 'identify')]);
    expect([bad.status, bad.error?.code, bad.items]).to.deep.equal(['rejected', 'INVALID_INPUT', []]);
    expect(bad.error?.message).to.match(/operations\[1\]\.action/);
    for (const input of [[], 'ops', [null], Array.from({ length: 1001 }, () => person('u', 'identify'))]) {
      const r = await cio.batch(input as never);
      expect([r.status, r.error?.code], JSON.stringify(input).slice(0, 40)).to.deep.equal(['rejected', 'INVALID_INPUT']);
    }
    expect(h.emu.requests).to.have.length(0);
  });

  it('keys each operation by its place under the call\'s idempotency key: a repeat of the call sends nothing', async () => {
    const cio = h.client();
    const ops = [person('u1', 'identify', { attributes: { a: 1 } }), person('u1', 'event', { name: 'e' })];
    const first = await cio.batch(ops, { idempotencyKey: 'import-42' });
    const again = await cio.batch(ops, { idempotencyKey: 'import-42' });
    expect(first.items.map((i) => i.idempotencyKey)).to.deep.equal(['import-42#0', 'import-42#1']);
    expect([again.status, again.items.map((i) => i.status)]).to.deep.equal(['duplicate', ['duplicate', 'duplicate']]);
    expect(h.emu.events).to.have.length(1);
  });

  it('queues the operations while Customer.io is down and replays each exactly once, with its event id', async () => {
    const cio = h.client({ retry: { maxAttempts: 1 }, breaker: false });
    h.emu.fault({ status: 503, match: { api: 'track' } });
    const r = await cio.batch([person('u1', 'event', { name: 'a' }), person('u2', 'event', { name: 'b' })]);
    expect([r.status, r.items.map((i) => i.status)]).to.deep.equal(['queued', ['queued', 'queued']]);
    h.emu.clearFaults();
    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 2, remaining: 0 });
    const sent = h.emu.events.map((e) => [e.name, e.id]).sort();
    expect(sent).to.deep.equal([
      ['a', r.items[0]!.eventId],
      ['b', r.items[1]!.eventId],
    ]);
  });

  it('is offered on the request scope too: held until released, then delivered', async () => {
    const cio = h.client();
    const scope = createRequestScope(cio, { idempotencyScope: undefined, personId: undefined });
    const call = scope.cio.batch([person('u9', 'event', { name: 'scoped' })]);
    expect((await call).status).to.equal('queued'); // the placeholder: held until the response is over
    expect(h.emu.requests).to.have.length(0);
    scope.release();
    const delivered = await call.delivered;
    expect(delivered.status).to.equal('sent');
    expect(h.emu.events.map((e) => e.name)).to.deep.equal(['scoped']);
  });
});
