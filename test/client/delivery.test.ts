import { expect } from 'chai';
import { SendEmailRequest, SendInboxMessageRequest, SendSMSRequest } from 'customerio-node';
import { isUlid } from '../../src/idempotency/eventId.js';
import { harness, type Harness } from '../support/harness.js';

describe('client: healthy delivery through the real SDK', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('delivers every Track and App operation once, each resolving "sent"', async () => {
    const cio = h.client({ queue: false });
    const results = [
      await cio.identify('u1', { email: 'u1@example.com', plan: 'pro' }),
      await cio.track('u1', { name: 'signed_up', data: { source: 'ad' } }),
      await cio.trackAnonymous('anon-1', { name: 'visited' }),
      await cio.trackPageView('u1', '/pricing'),
      await cio.addDevice('u1', 'device-token-1', 'ios', { app_version: '1.2' }),
      await cio.deleteDevice('u1', 'device-token-1'),
      await cio.suppress('u2'),
      await cio.unsuppress('u2'),
      await cio.mergeCustomers('id', 'u1', 'email', 'old@example.com'),
      await cio.destroy('u3'),
      await cio.sendEmail(new SendEmailRequest({ to: 'u1@example.com', identifiers: { id: 'u1' }, transactional_message_id: '7' })),
      await cio.sendPush({ identifiers: { id: 'u1' }, transactional_message_id: '8' }),
      await cio.triggerBroadcast(12, { promo: 'x' }, { ids: ['u1'] }),
    ];
    for (const r of results) {
      expect(r.status, `${r.operation}: ${r.error?.message ?? ''}`).to.equal('sent');
      expect(r.attempts).to.equal(1);
      expect(r.idempotencyKey).to.equal(''); // no key given: none reported
    }
    expect(results.map((r) => r.operation)).to.deep.equal([
      'identify', 'track', 'trackAnonymous', 'trackPageView', 'addDevice', 'deleteDevice', 'suppress',
      'unsuppress', 'mergeCustomers', 'destroy', 'sendEmail', 'sendPush', 'triggerBroadcast',
    ]);
    expect(h.emu.requests).to.have.length(13);
    expect(h.emu.requests.every((r) => r.status === 200 && r.auth === 'ok')).to.equal(true);
    expect(h.emu.requests.map((r) => r.operation)).to.include.members(['identify', 'track', 'trackAnonymous', 'sendEmail', 'sendPush', 'triggerBroadcast', 'mergeCustomers']);
    expect(h.emu.people.get('u1')).to.include({ email: 'u1@example.com', plan: 'pro' });
  });

  it('sends SMS, WhatsApp, inbox and in-app messages: request objects or plain options, checked, queued and replayed once', async () => {
    const cio = h.client({ retry: { maxAttempts: 1 }, breaker: { threshold: 50, halfOpenAfterMs: 20 } });
    const sent = [
      await cio.sendSMS(new SendSMSRequest({ identifiers: { id: 'u1' }, transactional_message_id: 21 })),
      await cio.sendWhatsApp({ identifiers: { email: 'u1@example.com' }, transactional_message_id: 22, message_data: { code: '123' } }),
      await cio.sendInboxMessage(new SendInboxMessageRequest({ identifiers: { id: 'u1' }, transactional_message_id: 23 })),
      await cio.sendInApp({ identifiers: { cio_id: 'abc' }, transactional_message_id: 24 }),
    ];
    expect(sent.map((r) => [r.operation, r.status])).to.deep.equal([
      ['sendSMS', 'sent'], ['sendWhatsApp', 'sent'], ['sendInboxMessage', 'sent'], ['sendInApp', 'sent'],
    ]);
    expect([...h.emu.deliveries.values()].map((d) => [d.operation, d.transactionalMessageId])).to.deep.equal([
      ['sendSMS', 21], ['sendWhatsApp', 22], ['sendInboxMessage', 23], ['sendInApp', 24],
    ]);
    // No template: refused before any request, naming the field.
    const bad = await cio.sendSMS({ identifiers: { id: 'u1' } });
    expect([bad.status, bad.error?.code, (bad.error as { field?: string } | undefined)?.field]).to.deep.equal(['rejected', 'INVALID_INPUT', 'request.transactional_message_id']);
    // Refused connections: surely not sent, so even an at-most-once send is queued, then replayed once.
    await h.emu.down();
    const queued = await cio.sendWhatsApp({ identifiers: { id: 'u2' }, transactional_message_id: 25 });
    expect(queued.status).to.equal('queued');
    await h.emu.up();
    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
    expect([...h.emu.deliveries.values()].filter((d) => d.personId === 'u2').map((d) => d.operation)).to.deep.equal(['sendWhatsApp']);
  });

  it('gives every event a ULID id, reported in the result and delivered to Customer.io', async () => {
    const cio = h.client();
    const a = await cio.track('u1', { name: 'a' });
    const b = await cio.trackAnonymous('', { name: 'invite', data: { recipient: 'x@example.com' } });
    const c = await cio.trackPageView('u1', '/home');
    for (const r of [a, b, c]) expect(isUlid(r.eventId), r.operation).to.equal(true);
    expect(h.emu.events.map((e) => e.id)).to.deep.equal([a.eventId, b.eventId, c.eventId]);
    expect(h.emu.events[2]).to.include({ kind: 'page', name: '/home' });
  });

  it('keeps an event id the caller chose', async () => {
    const cio = h.client();
    const id = '01JABCDEFGHJKMNPQRSTVWXYZ0';
    const r = await cio.track('u1', { name: 'a', id });
    expect(r.eventId).to.equal(id);
    expect(h.emu.events[0]?.id).to.equal(id);
  });

  it('does not change the caller\'s objects', async () => {
    const cio = h.client();
    const data = { name: 'a', data: { n: 1 } };
    await cio.track('u1', data);
    expect(data).to.deep.equal({ name: 'a', data: { n: 1 } });
  });

  it('reports health while healthy', async () => {
    const cio = h.client();
    await cio.identify('u1', {});
    expect(cio.health()).to.deep.equal({
      status: 'pass',
      circuit_state: 'CLOSED',
      failure_count: 0,
      last_failure: null,
      queue: { store: 'memory', depth: 0, oldest_age_ms: 0, dropped: 0, dead_letter: 0 },
      apis: {
        track: { circuit_state: 'CLOSED', failure_count: 0, last_failure: null },
        app: { circuit_state: 'CLOSED', failure_count: 0, last_failure: null },
        pipelines: { circuit_state: 'CLOSED', failure_count: 0, last_failure: null },
      },
    });
  });

  it('resolves "failed" with code CONFIG for an App operation without an App API key', async () => {
    const cio = h.client({ appApiKey: '' });
    const r = await cio.sendEmail({ to: 'a@example.com', identifiers: { id: 'u1' }, transactional_message_id: '1' });
    expect(r.status).to.equal('failed');
    expect(r.error?.code).to.equal('CONFIG');
    expect(h.emu.requests).to.have.length(0);
  });
});
