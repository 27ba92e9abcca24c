import { expect } from 'chai';
import { createRequestScope } from '../../src/http/requestScope.js';
import { isUlid } from '../../src/internal/ulid.js';
import type { CioResult } from '../../src/client/types.js';
import type { CioValidationError } from '../../src/errors/CioError.js';
import { harness, LOG_LINES, assertNoSecrets, type Harness } from '../support/harness.js';

const fieldOf = (r: CioResult): string | undefined => (r.error as CioValidationError | undefined)?.field;

describe('client: Data Pipelines (client.pipelines)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('sends identify, track, page, screen, group and alias, each with a ULID messageId as its event id, in strict mode', async () => {
    const cio = h.client();
    const results = [
      await cio.pipelines.identify({ userId: 'u1', traits: { plan: 'pro' } }),
      await cio.pipelines.track({ userId: 'u1', event: 'Signed Up', properties: { via: 'web' } }),
      await cio.pipelines.page({ anonymousId: 'a1', name: 'Home' }),
      await cio.pipelines.screen({ userId: 'u1', name: 'Settings' }),
      await cio.pipelines.group({ userId: 'u1', groupId: 'acme' }),
      await cio.pipelines.alias({ userId: 'u1', previousId: 'a1' }),
    ];
    expect(results.map((r) => [r.operation, r.status])).to.deep.equal([
      ['pipelines.identify', 'sent'],
      ['pipelines.track', 'sent'],
      ['pipelines.page', 'sent'],
      ['pipelines.screen', 'sent'],
      ['pipelines.group', 'sent'],
      ['pipelines.alias', 'sent'],
    ]);
    for (const r of results) expect(isUlid(r.eventId), r.operation).to.equal(true);
    const got = h.emu.pipelinesMessages;
    expect(got.map((m) => [m.type, m.messageId, m.strict])).to.deep.equal(results.map((r) => [r.operation.slice('pipelines.'.length), r.eventId, true]));
    expect(h.emu.pipelinesPeople.get('u1')).to.include({ plan: 'pro' });
  });

  it("keeps a messageId the caller gives, and never changes the caller's payload", async () => {
    const cio = h.client();
    const payload = { userId: 'u2', event: 'Paid', messageId: 'order-77-paid' };
    const r = await cio.pipelines.track(payload);
    expect([r.status, r.eventId]).to.deep.equal(['sent', 'order-77-paid']);
    expect(payload).to.deep.equal({ userId: 'u2', event: 'Paid', messageId: 'order-77-paid' });
  });

  it('rejects what Customer.io would drop or the SDK would throw on, before any request, naming the field', async () => {
    const cio = h.client();
    const cases: Array<[Promise<{ status: string; error?: { code: string; field?: string } }>, string]> = [
      [cio.pipelines.identify({ traits: {} } as never), 'payload'],
      [cio.pipelines.track({ userId: 'u1' } as never), 'payload.event'],
      [cio.pipelines.track({ userId: 'u1', event: '  ' }), 'payload.event'],
      [cio.pipelines.group({ userId: 'u1' } as never), 'payload.groupId'],
      [cio.pipelines.alias({ userId: 'u1' } as never), 'payload.previousId'],
      [cio.pipelines.page({ userId: 'u1', timestamp: 'yesterday' }), 'payload.timestamp'],
      [cio.pipelines.track({ userId: 'u1', event: 'big', properties: { blob: 'x'.repeat(40_000) } }), 'payload'],
      [cio.pipelines.identify({ userId: 'u1', traits: 'pro' as never }), 'payload.traits'],
      [cio.pipelines.identify('u1' as never), 'payload'],
    ];
    for (const [call, field] of cases) {
      const r = await call;
      expect([r.status, r.error?.code, r.error?.field], field).to.deep.equal(['rejected', 'INVALID_INPUT', field]);
    }
    expect(h.emu.requests).to.have.length(0);
  });

  it('resolves "failed" with code CONFIG without a write key', async () => {
    const cio = h.client({ writeKey: '' });
    const r = await cio.pipelines.track({ userId: 'u1', event: 'e' });
    expect([r.status, r.error?.code]).to.deep.equal(['failed', 'CONFIG']);
  });

  it('has its own circuit: a Pipelines outage queues its messages, tracking goes on, and the replay delivers each once', async () => {
    const cio = h.client({ retry: { maxAttempts: 1 }, apis: { pipelines: { breaker: { threshold: 1, halfOpenAfterMs: 50 } } } });
    h.emu.fault({ status: 503, match: { api: 'pipelines' } });
    const queued = await cio.pipelines.track({ userId: 'u1', event: 'During Outage' });
    expect([queued.status, cio.health().apis.pipelines.circuit_state]).to.deep.equal(['queued', 'OPEN']);
    expect((await cio.track('u1', { name: 'tracked' })).status).to.equal('sent');
    expect(cio.health().circuit_state).to.equal('CLOSED');
    h.emu.clearFaults();
    // The flush waits for the circuit to half-open; its probe is the queued message.
    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
    expect(h.emu.pipelinesMessages.map((m) => [m.name, m.messageId])).to.deep.equal([['During Outage', queued.eventId]]);
    expect(cio.health().apis.pipelines.circuit_state).to.equal('CLOSED');
  });

  it('replays a message whose answer was lost with the same messageId: Customer.io keeps it once', async () => {
    const cio = h.client({ retry: { maxAttempts: 1 }, breaker: false });
    h.emu.fault({ applyThen: 'reset', times: 1, match: { api: 'pipelines' } });
    const r = await cio.pipelines.track({ userId: 'u1', event: 'Once' });
    expect(r.status).to.equal('queued');
    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
    expect(h.emu.pipelinesMessages.map((m) => [m.name, m.messageId])).to.deep.equal([['Once', r.eventId]]);
    expect(h.emu.pipelinesDuplicates).to.equal(1);
  });

  it('batches calls that opt in through the Pipelines batch route, each with its own result', async () => {
    const cio = h.client();
    const results = await Promise.all([
      cio.pipelines.track({ userId: 'u1', event: 'a' }, { batch: true }),
      cio.pipelines.track({ userId: 'u2', event: 'b' }, { batch: true }),
      cio.pipelines.identify({ userId: 'u3', traits: { n: 3 } }, { batch: true }),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'sent']);
    const routes = h.emu.requests.filter((q) => q.api === 'pipelines').map((q) => q.operation);
    expect(routes).to.deep.equal(['pipelines.batch']);
    expect(h.emu.pipelinesMessages.map((m) => [m.type, m.batchIndex])).to.deep.equal([
      ['track', 0],
      ['track', 1],
      ['identify', 2],
    ]);
  });

  it('pipelines.batch(items) validates the whole call, then delivers each item as its own operation', async () => {
    const cio = h.client();
    const bad = await cio.pipelines.batch([{ type: 'track', userId: 'u1', event: 'ok' }, { type: 'track', userId: 'u1' } as never]);
    expect([bad.status, fieldOf(bad), bad.items]).to.deep.equal(['rejected', 'items[1].event', []]);
    const unknown = await cio.pipelines.batch([{ type: 'purchase', userId: 'u1' } as never]);
    expect([unknown.status, fieldOf(unknown)]).to.deep.equal(['rejected', 'items[0].type']);
    expect(h.emu.requests).to.have.length(0);
    const r = await cio.pipelines.batch([
      { type: 'identify', userId: 'u1', traits: { a: 1 } },
      { type: 'track', userId: 'u1', event: 'Bought' },
    ]);
    expect([r.status, r.operation, r.items.map((i) => i.operation)]).to.deep.equal(['sent', 'pipelines.batch', ['pipelines.identify', 'pipelines.track']]);
    expect(h.emu.pipelinesMessages.map((m) => [m.type, m.messageId])).to.deep.equal(r.items.map((i) => [i.operation.slice(10), i.eventId]));
  });

  it('is on the request scope: held until released, then delivered', async () => {
    const cio = h.client();
    const scope = createRequestScope(cio, { idempotencyScope: 'req-1', personId: undefined });
    const call = scope.cio.pipelines.track({ userId: 'u5', event: 'Scoped' });
    expect((await call).status).to.equal('queued');
    expect(h.emu.requests).to.have.length(0);
    scope.release();
    expect((await call.delivered).status).to.equal('sent');
    expect(h.emu.pipelinesMessages.map((m) => m.name)).to.deep.equal(['Scoped']);
  });

  it('never logs the write key, even when Customer.io refuses it', async () => {
    const cio = h.client({ writeKey: 'wk-wrong-key-0000', retry: { maxAttempts: 1 } });
    const r = await cio.pipelines.track({ userId: 'u1', event: 'e' });
    expect(r.status).to.equal('rejected');
    assertNoSecrets(JSON.stringify(r) + (r.error?.stack ?? ''), 'result');
    assertNoSecrets(LOG_LINES.join('\n'), 'logs');
  });
});
