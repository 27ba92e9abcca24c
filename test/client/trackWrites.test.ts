import { expect } from 'chai';
import { IdentifierType, SendSMSRequest } from 'customerio-node';
import { createRequestScope } from '../../src/http/requestScope.js';
import { isUlid } from '../../src/idempotency/eventId.js';
import type { CioResult } from '../../src/operations/types.js';
import { harness, type Harness } from '../support/harness.js';

/** `[status, code, field]` of a result, for a rejection. */
const rejection = (r: CioResult): unknown[] => [r.status, r.error?.code, (r.error as { field?: string } | undefined)?.field];

const B = { batch: true } as const;

describe('client: the other Track writes (metrics, forms, unsubscribe, segments, entity) through the real SDK', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  describe('trackPush and reportMetric', () => {
    it('reports metrics of a delivery: sent, recorded on the delivery, rejected naming the field', async () => {
      const cio = h.client();
      const sms = await cio.sendSMS(new SendSMSRequest({ identifiers: { id: 'u1' }, transactional_message_id: 3 }));
      expect(sms.status).to.equal('sent');
      const [deliveryId] = [...h.emu.deliveries.keys()];
      const sent = [
        await cio.trackPush({ delivery_id: deliveryId!, event: 'delivered', device_id: 'tok-1', timestamp: 1_700_000_000 }),
        await cio.reportMetric({ delivery_id: deliveryId!, metric: 'clicked', href: 'https://example.com/a' }),
        await cio.reportMetric({ delivery_id: 'RPILAgUBcRhIBqSfeiIwdIYJKxTY', metric: 'bounced', reason: 'mailbox full', recipient: 'x@example.com' }),
      ];
      expect(sent.map((r) => [r.operation, r.status, r.attempts])).to.deep.equal([['trackPush', 'sent', 1], ['reportMetric', 'sent', 1], ['reportMetric', 'sent', 1]]);
      expect(h.emu.operations.slice(1).map((o) => [o.operation, o.personId])).to.deep.equal([['trackPush', 'u1'], ['reportMetric', 'u1'], ['reportMetric', null]]);
      expect(h.emu.operations[1]?.payload).to.deep.equal({ delivery_id: deliveryId, event: 'delivered', device_id: 'tok-1', timestamp: 1_700_000_000 });
      expect(h.emu.deliveries.get(deliveryId!)?.metrics).to.deep.equal(['delivered', 'clicked']);

      const bad = [
        await cio.trackPush({ event: 'opened' }),
        await cio.trackPush({ delivery_id: 'd1', event: 'clicked' as never }),
        await cio.trackPush({ delivery_id: 'd1', event: 'opened', timestamp: 1.5 }),
        await cio.trackPush({ delivery_id: 'd1', event: 'opened', device_id: 7 as never }),
        await cio.reportMetric({ delivery_id: 'd1' }),
        await cio.reportMetric({ delivery_id: 'd1', metric: 'sent' }),
        await cio.reportMetric({ delivery_id: '  ', metric: 'opened' }),
        await cio.reportMetric({ delivery_id: 'd1', metric: 'clicked', href: 7 as never }),
        await cio.reportMetric({ delivery_id: 'd1', metric: 'bounced', recipient: true as never }),
        await cio.reportMetric('d1' as never),
      ];
      expect(bad.map(rejection)).to.deep.equal([
        ['rejected', 'INVALID_INPUT', 'data.delivery_id'],
        ['rejected', 'INVALID_INPUT', 'data.event'],
        ['rejected', 'INVALID_INPUT', 'data.timestamp'],
        ['rejected', 'INVALID_INPUT', 'data.device_id'],
        ['rejected', 'INVALID_INPUT', 'data.metric'],
        ['rejected', 'INVALID_INPUT', 'data.metric'],
        ['rejected', 'INVALID_INPUT', 'data.delivery_id'],
        ['rejected', 'INVALID_INPUT', 'data.href'],
        ['rejected', 'INVALID_INPUT', 'data.recipient'],
        ['rejected', 'INVALID_INPUT', 'data'],
      ]);
      expect(bad[5]?.error?.message).to.equal('reportMetric: data.metric must be one of bounced, clicked, converted, deferred, delivered, dropped, opened, spammed, got another string');
      expect(h.emu.requests).to.have.length(4);
    });

    it('queues metrics in an outage and delivers each once, dated when they were made', async () => {
      const cio = h.client({ retry: { maxAttempts: 1 } });
      await h.emu.down();
      const madeAt = Math.floor(Date.now() / 1000);
      const queued = [
        await cio.trackPush({ delivery_id: 'dlv-1', event: 'opened' }),
        await cio.reportMetric({ delivery_id: 'dlv-1', metric: 'converted', timestamp: 1_700_000_000 }),
      ];
      expect(queued.map((r) => r.status)).to.deep.equal(['queued', 'queued']);
      await h.emu.up();
      expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 2, remaining: 0 });
      expect(h.emu.operations.map((o) => o.operation)).to.deep.equal(['trackPush', 'reportMetric']);
      const [push, metric] = h.emu.operations.map((o) => o.payload as Record<string, unknown>);
      expect(push).to.include({ delivery_id: 'dlv-1', event: 'opened' });
      expect(push?.['timestamp']).to.be.a('number').within(madeAt, madeAt + 2);
      expect(metric).to.deep.equal({ delivery_id: 'dlv-1', metric: 'converted', timestamp: 1_700_000_000 });
    });

    it('retries a metric whose answer was lost (repeatable: at worst counted twice)', async () => {
      const cio = h.client({ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } });
      h.emu.fault({ applyThen: 'reset', times: 1, match: { operation: 'trackPush' } });
      const r = await cio.trackPush({ delivery_id: 'dlv-2', event: 'delivered' });
      expect([r.status, r.attempts]).to.deep.equal(['sent', 2]);
      expect(h.emu.operations.map((o) => o.operation)).to.deep.equal(['trackPush', 'trackPush']);
    });
  });

  describe('submitForm', () => {
    it('submits a form: sent, the person identified with its fields; rejected naming the field', async () => {
      const cio = h.client();
      const sent = [
        await cio.submitForm('signup', { email: 'f@example.com', first_name: 'Ada', form_name: 'ignored' }),
        await cio.submitForm(42, { id: 'u9', plan: 'pro' }),
      ];
      expect(sent.map((r) => [r.operation, r.status])).to.deep.equal([['submitForm', 'sent'], ['submitForm', 'sent']]);
      expect(h.emu.requests.map((r) => [r.path, r.status])).to.deep.equal([['/api/v1/forms/signup/submit', 204], ['/api/v1/forms/42/submit', 204]]);
      expect(h.emu.people.get('f@example.com')).to.deep.equal({ email: 'f@example.com', first_name: 'Ada' });
      expect(h.emu.people.get('u9')).to.deep.equal({ plan: 'pro' });

      const bad = [
        await cio.submitForm('f', { first_name: 'Ada' }),
        await cio.submitForm('f', { id: 'u1', email: 'u1@example.com' }),
        await cio.submitForm('f', { email: 'u1@example.com', age: 30 }),
        await cio.submitForm('f', { email: 7 }),
        await cio.submitForm('', { id: 'u1' }),
        await cio.submitForm('f', { id: 'x'.repeat(151) }),
        await cio.submitForm('f', undefined as never),
      ];
      expect(bad.map(rejection)).to.deep.equal([
        ['rejected', 'INVALID_INPUT', 'data'],
        ['rejected', 'INVALID_INPUT', 'data'],
        ['rejected', 'INVALID_INPUT', 'data.age'],
        ['rejected', 'INVALID_INPUT', 'data.email'],
        ['rejected', 'INVALID_INPUT', 'formId'],
        ['rejected', 'INVALID_INPUT', 'data.id'],
        ['rejected', 'INVALID_INPUT', 'data'],
      ]);
      expect(bad[1]?.error?.message).to.equal('submitForm: data must hold one, and only one, of id or email; found id and email');
      expect(h.emu.requests).to.have.length(2);
    });

    it('is queued when surely not sent and replayed once, but not repeated after a lost answer (at-most-once)', async () => {
      const cio = h.client({ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } });
      await h.emu.down();
      const queued = await cio.submitForm('signup', { id: 'u1', plan: 'pro' });
      expect(queued.status).to.equal('queued');
      await h.emu.up();
      expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
      expect(h.emu.operations.map((o) => [o.operation, o.personId])).to.deep.equal([['submitForm', 'u1']]);

      h.emu.fault({ applyThen: 'reset', times: 1, match: { operation: 'submitForm' } });
      const lost = await cio.submitForm('signup', { id: 'u2' });
      expect([lost.status, lost.error?.code, lost.attempts]).to.deep.equal(['failed', 'AMBIGUOUS', 1]);
      expect(h.emu.operations.filter((o) => o.personId === 'u2')).to.have.length(1);
      expect((await cio.deadLetters()).map((d) => d.operation)).to.deep.equal(['submitForm']);
    });
  });

  describe('unsubscribe', () => {
    it('sets the unsubscribed attribute of the delivery\'s person; rejected naming the field', async () => {
      const cio = h.client();
      await cio.sendSMS({ identifiers: { id: 'u1' }, transactional_message_id: 3 });
      const [deliveryId] = [...h.emu.deliveries.keys()];
      expect((await cio.unsubscribe(deliveryId!)).status).to.equal('sent');
      expect(h.emu.people.get('u1')).to.deep.equal({ unsubscribed: true });
      expect((await cio.unsubscribe(deliveryId!, false)).status).to.equal('sent');
      expect(h.emu.people.get('u1')).to.deep.equal({ unsubscribed: false });
      expect(h.emu.operations.slice(1).map((o) => [o.operation, o.personId, o.payload])).to.deep.equal([
        ['unsubscribe', 'u1', { unsubscribe: true }],
        ['unsubscribe', 'u1', { unsubscribe: false }],
      ]);

      const bad = [await cio.unsubscribe(''), await cio.unsubscribe('d1', 'yes' as never), await cio.unsubscribe('d1', null as never), await cio.unsubscribe('\ud800x')];
      expect(bad.map(rejection)).to.deep.equal([
        ['rejected', 'INVALID_INPUT', 'deliveryId'],
        ['rejected', 'INVALID_INPUT', 'unsubscribe'],
        ['rejected', 'INVALID_INPUT', 'unsubscribe'],
        ['rejected', 'INVALID_INPUT', 'deliveryId'],
      ]);
      expect(h.emu.requests).to.have.length(3);
    });

    it('is queued in an outage and delivered once after it', async () => {
      const cio = h.client({ retry: { maxAttempts: 1 } });
      await cio.sendSMS({ identifiers: { id: 'u1' }, transactional_message_id: 3 });
      const [deliveryId] = [...h.emu.deliveries.keys()];
      await h.emu.down();
      expect((await cio.unsubscribe(deliveryId!)).status).to.equal('queued');
      await h.emu.up();
      expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
      expect(h.emu.operations.map((o) => o.operation)).to.deep.equal(['sendSMS', 'unsubscribe']);
      expect(h.emu.people.get('u1')).to.deep.equal({ unsubscribed: true });
    });
  });

  describe('addCustomersToSegment and removeCustomersFromSegment', () => {
    it('adds and removes people by id, email or cio_id; rejected naming the field', async () => {
      const cio = h.client();
      const sent = [
        await cio.addCustomersToSegment(7, ['u1', 'u2', 3]),
        await cio.addCustomersToSegment('7', ['a@example.com'], 'email'),
        await cio.addCustomersToSegment(8, ['abc'], IdentifierType.CioId),
        await cio.removeCustomersFromSegment(7, ['u2']),
      ];
      expect(sent.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'sent', 'sent']);
      expect(h.emu.requests.map((r) => [r.path, r.query])).to.deep.equal([
        ['/api/v1/segments/7/add_customers', {}],
        ['/api/v1/segments/7/add_customers', { id_type: 'email' }],
        ['/api/v1/segments/8/add_customers', { id_type: 'cio_id' }],
        ['/api/v1/segments/7/remove_customers', {}],
      ]);
      expect([...(h.emu.segments.get('7') ?? [])]).to.deep.equal(['u1', '3', 'a@example.com']);
      expect([...(h.emu.segments.get('8') ?? [])]).to.deep.equal(['cio_abc']);

      const bad = [
        await cio.addCustomersToSegment(7, []),
        await cio.addCustomersToSegment(7, Array.from({ length: 1001 }, (_, i) => `u${i}`)),
        await cio.addCustomersToSegment(7, ['u1', { id: 'u2' } as never]),
        await cio.removeCustomersFromSegment(7, ['u1'], 'phone' as never),
        await cio.removeCustomersFromSegment('', ['u1']),
        await cio.removeCustomersFromSegment(7, 'u1' as never),
      ];
      expect(bad.map(rejection)).to.deep.equal([
        ['rejected', 'INVALID_INPUT', 'customerIds'],
        ['rejected', 'INVALID_INPUT', 'customerIds'],
        ['rejected', 'INVALID_INPUT', 'customerIds[1]'],
        ['rejected', 'INVALID_INPUT', 'idType'],
        ['rejected', 'INVALID_INPUT', 'segmentId'],
        ['rejected', 'INVALID_INPUT', 'customerIds'],
      ]);
      expect(bad[1]?.error?.message).to.equal('addCustomersToSegment: customerIds has 1001 ids; Customer.io takes at most 1000 per call');
      // 1000 is allowed.
      expect((await cio.addCustomersToSegment(9, Array.from({ length: 1000 }, (_, i) => `u${i}`))).status).to.equal('sent');
      expect(h.emu.segments.get('9')?.size).to.equal(1000);
    });

    it('keeps an add and a remove of one segment in order: both queued in an outage, replayed in call order', async () => {
      const cio = h.client({ retry: { maxAttempts: 1 } });
      await cio.addCustomersToSegment(7, ['u0']);
      await h.emu.down();
      const queued = [
        await cio.addCustomersToSegment(7, ['u1', 'u2']),
        await cio.addCustomersToSegment(8, ['u1']),
        await cio.removeCustomersFromSegment('7', ['u1', 'u0']),
      ];
      expect(queued.map((r) => r.status)).to.deep.equal(['queued', 'queued', 'queued']);
      // The remove did not try: an earlier call of its segment waits in the queue.
      expect(queued[2]?.error?.code).to.equal('QUEUED_BEHIND');
      await h.emu.up();
      expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 3, remaining: 0 });
      const seven = h.emu.operations.filter((o) => (h.emu.requests.find((r) => r.seq === o.requestSeq)?.path ?? '').includes('/segments/7/'));
      expect(seven.map((o) => [o.operation, o.payload])).to.deep.equal([
        ['addCustomersToSegment', { ids: ['u0'] }],
        ['addCustomersToSegment', { ids: ['u1', 'u2'] }],
        ['removeCustomersFromSegment', { ids: ['u1', 'u0'] }],
      ]);
      expect([...(h.emu.segments.get('7') ?? [])]).to.deep.equal(['u2']);
      expect([...(h.emu.segments.get('8') ?? [])]).to.deep.equal(['u1']);
      // After the replay, a new call of the segment goes at once.
      expect((await cio.removeCustomersFromSegment(7, ['u2'])).status).to.equal('sent');
      expect(h.emu.segments.get('7')?.size).to.equal(0);
    });
  });

  describe('entity', () => {
    const acme = { object_type_id: '1', object_id: 'acme' };

    it('sends person and object operations on /api/v2/entity; an event gets a ULID id', async () => {
      const cio = h.client();
      const results = [
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: { plan: 'pro' } }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'upgraded', attributes: { plan: 'pro' } }),
        await cio.entity({ type: 'person', identifiers: { anonymous_id: 'v1' }, action: 'page', name: '/pricing' }),
        await cio.entity({ type: 'person', identifiers: { email: 'b@example.com' }, action: 'add_device', device: { token: 'tok', platform: 'ios' } }),
        await cio.entity({ type: 'object', identifiers: acme, action: 'identify', attributes: { name: 'Acme' }, cio_relationships: [{ identifiers: { id: 'u1' }, relationship_attributes: { role: 'admin' } }] }),
        await cio.entity({ type: 'person', identifiers: { id: 'u3' }, action: 'add_relationships', cio_relationships: [{ identifiers: acme }] }),
        await cio.entity({ type: 'object', identifiers: acme, action: 'delete_relationships', cio_relationships: [{ identifiers: { id: 'u3' } }] }),
      ];
      expect(results.map((r) => [r.status, r.attempts])).to.deep.equal(new Array(7).fill(['sent', 1]));
      expect(results.map((r) => r.eventId !== undefined)).to.deep.equal([false, true, true, false, false, false, false]);
      expect(h.emu.requests.map((r) => [r.path, r.status])).to.deep.equal(new Array(7).fill(['/api/v2/entity', 200]));
      expect(h.emu.operations.map((o) => [o.operation, o.personId])).to.deep.equal([
        ['identify', 'u1'],
        ['track', 'u1'],
        ['trackAnonymous', null],
        ['addDevice', 'b@example.com'],
        ['object:identify', null],
        ['addRelationships', 'u3'],
        ['object:delete_relationships', null],
      ]);
      expect(isUlid(results[1]?.eventId)).to.equal(true);
      expect(h.emu.events.map((e) => [e.kind, e.name, e.id])).to.deep.equal([
        ['event', 'upgraded', results[1]?.eventId],
        ['page', '/pricing', results[2]?.eventId],
      ]);
      expect(h.emu.people.get('u1')).to.deep.equal({ plan: 'pro' });
      expect(h.emu.objects.get('1:acme')?.attributes).to.deep.equal({ name: 'Acme' });
      expect([...(h.emu.objects.get('1:acme')?.relationships.keys() ?? [])]).to.deep.equal(['u1']);
    });

    it('rejects an operation Customer.io would refuse, naming the field, before any request', async () => {
      const cio = h.client();
      const bad = [
        await cio.entity({ identifiers: { id: 'u1' }, action: 'identify' }),
        await cio.entity({ type: 'delivery', identifiers: { id: 'd1' }, action: 'opened' }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' } }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'merge' }),
        await cio.entity({ type: 'person', primary: { id: 'u1' }, secondary: { id: 'u2' }, action: 'merge' }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1', email: 'u1@example.com' }, action: 'identify' }),
        await cio.entity({ type: 'person', identifiers: { phone: '+15551234567' }, action: 'delete' }),
        await cio.entity({ type: 'person', identifiers: { anonymous_id: 'v1' }, action: 'identify' }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'event' }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'a', id: 'not-a-ulid' }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: { big: 'x'.repeat(1001) } }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'add_device', device: { token: 'tok' } }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'add_relationships', cio_relationships: [] }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'add_relationships', cio_relationships: [{ identifiers: { object_id: 'acme' } }] }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', timestamp: '2024-01-01' }),
        await cio.entity({ type: 'object', identifiers: { object_type_id: '1' }, action: 'identify' }),
        await cio.entity({ type: 'object', identifiers: acme, action: 'merge' }),
        await cio.entity({ type: 'object', identifiers: acme, action: 'add_relationships', cio_relationships: [{ identifiers: { id: 'u1', email: 'u1@example.com' } }] }),
        await cio.entity({ type: 'object', identifiers: acme, action: 'identify_anonymous', cio_relationships: [{ identifiers: { id: 'u1' } }] }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`a${i}`, 'x'.repeat(900)])) }),
        await cio.entity([] as never),
      ];
      expect(bad.map(rejection)).to.deep.equal([
        ['rejected', 'INVALID_INPUT', 'operation.type'],
        ['rejected', 'INVALID_INPUT', 'operation.type'],
        ['rejected', 'INVALID_INPUT', 'operation.action'],
        ['rejected', 'INVALID_INPUT', 'operation.action'],
        ['rejected', 'INVALID_INPUT', 'operation.action'],
        ['rejected', 'INVALID_INPUT', 'operation.identifiers'],
        ['rejected', 'INVALID_INPUT', 'operation.identifiers'],
        ['rejected', 'INVALID_INPUT', 'operation.identifiers'],
        ['rejected', 'INVALID_INPUT', 'operation.name'],
        ['rejected', 'INVALID_INPUT', 'operation.id'],
        ['rejected', 'INVALID_INPUT', 'operation.attributes.big'],
        ['rejected', 'INVALID_INPUT', 'operation.device.platform'],
        ['rejected', 'INVALID_INPUT', 'operation.cio_relationships'],
        ['rejected', 'INVALID_INPUT', 'operation.cio_relationships[0].identifiers'],
        ['rejected', 'INVALID_INPUT', 'operation.timestamp'],
        ['rejected', 'INVALID_INPUT', 'operation.identifiers.object_id'],
        ['rejected', 'INVALID_INPUT', 'operation.action'],
        ['rejected', 'INVALID_INPUT', 'operation.cio_relationships[0].identifiers'],
        ['rejected', 'INVALID_INPUT', 'operation.cio_relationships[0].identifiers.anonymous_id'],
        ['rejected', 'INVALID_INPUT', 'operation'],
        ['rejected', 'INVALID_INPUT', 'operation'],
      ]);
      expect(bad[3]?.error?.message).to.match(/^entity: operation\.action: a merge goes through mergeCustomers/);
      expect(bad[19]?.error?.message).to.match(/^entity: operation is \d+ bytes serialised \(with the id and timestamp this client adds\); Customer.io allows at most 32768 per v2 operation$/);
      expect(h.emu.requests).to.have.length(0);
    });

    it('rides in a v2 batch with batch: true, keeping its place among v1 calls of the same person', async () => {
      const cio = h.client({ batch: { maxDelayMs: 50, maxItems: 100 } });
      const results = await Promise.all([
        cio.identify('u1', { plan: 'free' }, B),
        cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: { plan: 'pro' } }, B),
        cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'upgraded' }, B),
        cio.entity({ type: 'object', identifiers: acme, action: 'identify', attributes: { name: 'Acme' } }, B),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'sent', 'sent']);
      expect(h.emu.requests.map((r) => [r.operation, r.status])).to.deep.equal([['batch', 200]]);
      expect(h.emu.operations.map((o) => [o.operation, o.batchIndex])).to.deep.equal([['identify', 0], ['identify', 1], ['track', 2], ['object:identify', 3]]);
      expect(h.emu.people.get('u1')).to.deep.equal({ plan: 'pro' });
      expect(h.emu.events[0]?.id).to.equal(results[2]?.eventId);
    });

    it('is queued in an outage and replayed once, in a v2 batch, in call order, events with their id and time', async () => {
      const cio = h.client({ retry: { maxAttempts: 1 } });
      await h.emu.down();
      const madeAt = Math.floor(Date.now() / 1000);
      const queued = [
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: { plan: 'pro' } }),
        await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'upgraded' }),
        await cio.identify('u1', { plan: 'team' }),
        await cio.entity({ type: 'object', identifiers: acme, action: 'identify', attributes: { name: 'Acme' } }),
      ];
      expect(queued.map((r) => r.status)).to.deep.equal(['queued', 'queued', 'queued', 'queued']);
      expect(queued.map((r) => r.error?.code)).to.deep.equal(['NETWORK', 'QUEUED_BEHIND', 'QUEUED_BEHIND', 'NETWORK']);
      await h.emu.up();
      expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 4, remaining: 0 });
      expect(h.emu.requests.every((r) => r.operation === 'batch')).to.equal(true);
      expect(h.emu.operations.filter((o) => o.personId === 'u1').map((o) => o.operation)).to.deep.equal(['identify', 'track', 'identify']);
      expect(h.emu.people.get('u1')).to.deep.equal({ plan: 'team' });
      expect(h.emu.objects.get('1:acme')?.attributes).to.deep.equal({ name: 'Acme' });
      expect(h.emu.events.map((e) => e.id)).to.deep.equal([queued[1]?.eventId]);
      expect(h.emu.events[0]?.timestamp).to.be.a('number').within(madeAt, madeAt + 2);
    });

    it('retries an event whose answer was lost: Customer.io drops the repeat by its id', async () => {
      const cio = h.client({ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } });
      h.emu.fault({ applyThen: 'reset', times: 1, match: { operation: 'entity' } });
      const r = await cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'paid' });
      expect([r.status, r.attempts]).to.deep.equal(['sent', 2]);
      expect(h.emu.events.map((e) => e.id)).to.deep.equal([r.eventId]);
      expect(h.emu.duplicates).to.equal(1);
    });

    it('does not change the caller\'s operation', async () => {
      const cio = h.client();
      const op = { type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'a' };
      await cio.entity(op);
      expect(op).to.deep.equal({ type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'a' });
    });
  });

  it('are offered on the request-scoped client too: held until the response is over, then delivered (entity in a v2 batch)', async () => {
    const cio = h.client({ batch: { maxDelayMs: 20, maxItems: 100 } });
    const scope = createRequestScope(cio, { idempotencyScope: undefined, personId: undefined });
    const calls = [
      scope.cio.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: { plan: 'pro' } }),
      scope.cio.addCustomersToSegment(7, ['u1']),
      scope.cio.removeCustomersFromSegment(7, ['u1']),
      scope.cio.submitForm('signup', { id: 'u2', plan: 'team' }),
      scope.cio.trackPush({ delivery_id: 'dlv-1', event: 'opened' }),
      scope.cio.reportMetric({ delivery_id: 'dlv-1', metric: 'clicked' }),
      scope.cio.unsubscribe('dlv-1'),
    ];
    expect((await Promise.all(calls)).map((r) => r.status)).to.deep.equal(new Array(7).fill('queued'));
    expect(h.emu.requests).to.have.length(0);
    scope.release();
    const delivered = await Promise.all(calls.map((c) => c.delivered));
    expect(delivered.map((r) => [r.operation, r.status])).to.deep.equal([
      ['entity', 'sent'], ['addCustomersToSegment', 'sent'], ['removeCustomersFromSegment', 'sent'], ['submitForm', 'sent'],
      ['trackPush', 'sent'], ['reportMetric', 'sent'], ['unsubscribe', 'sent'],
    ]);
    expect(h.emu.requests.filter((r) => r.operation === 'batch')).to.have.length(1);
    expect(h.emu.operations.find((o) => o.source === 'v2')?.operation).to.equal('identify');
    expect(h.emu.segments.get('7')?.size).to.equal(0);
    expect(h.emu.people.get('u2')).to.deep.equal({ plan: 'team' });
  });
});
