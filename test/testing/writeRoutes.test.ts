import { expect } from 'chai';
import {
  CustomerIORequestError,
  IdentifierType,
  SendEmailRequest,
  SendInAppRequest,
  SendInboxMessageRequest,
  SendSMSRequest,
  SendWhatsAppRequest,
} from 'customerio-node';
import { startCioEmulator } from '../../src/testing/index.js';
import type { CioEmulator } from '../../src/testing/index.js';
import { CREDS, appClient, rawRequest, rejectionOf, trackClient } from '../support/emulator.js';

/** Assert an SDK call failed with `status` and, for a 400, a `meta.error` matching `pattern`. */
async function expectStatus(promise: Promise<unknown>, status: number, pattern?: RegExp): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).to.be.instanceOf(CustomerIORequestError);
  const cioError = error as CustomerIORequestError;
  expect(cioError.statusCode).to.equal(status);
  if (pattern) {
    expect(cioError.message).to.match(pattern);
    expect((JSON.parse(cioError.body) as { meta?: { error?: string } }).meta?.error).to.equal(cioError.message);
  }
}

describe('testing/emulator: the other write routes', () => {
  let emu: CioEmulator;

  beforeEach(async () => {
    emu = await startCioEmulator(CREDS);
  });
  afterEach(async () => {
    await emu.close();
  });

  describe('App API: sendSMS, sendWhatsApp, sendInboxMessage, sendInApp', () => {
    it('accepts each send, answers { delivery_id, queued_at } and records the send and its delivery', async () => {
      const api = appClient(emu);
      const sms = await api.sendSMS(new SendSMSRequest({ identifiers: { id: 'u1' }, transactional_message_id: 11, to: '+15551234567', message_data: { code: '123' } }));
      const whatsapp = await api.sendWhatsApp(
        new SendWhatsAppRequest({ identifiers: { email: 'u2@example.com' }, transactional_message_id: 'otp', to: '+15551234567', from: '+15557654321' }),
      );
      const inbox = await api.sendInboxMessage(new SendInboxMessageRequest({ identifiers: { id: 'u3' }, transactional_message_id: 'order_shipped' }));
      const inApp = await api.sendInApp(new SendInAppRequest({ identifiers: { id: 'u4' }, transactional_message_id: 4, language: 'fr' }));

      const answers = [sms, whatsapp, inbox, inApp];
      for (const answer of answers) {
        expect(answer['delivery_id']).to.be.a('string').with.length.greaterThan(8);
        expect(answer['queued_at']).to.be.a('number').closeTo(Date.now() / 1000, 60);
      }
      expect(new Set(answers.map((a) => a['delivery_id'])).size).to.equal(4);
      expect(emu.requests.map((r) => [r.method, r.path, r.operation, r.status, r.api, r.auth])).to.deep.equal([
        ['POST', '/v1/send/sms', 'sendSMS', 200, 'app', 'ok'],
        ['POST', '/v1/send/whatsapp', 'sendWhatsApp', 200, 'app', 'ok'],
        ['POST', '/v1/send/inbox_message', 'sendInboxMessage', 200, 'app', 'ok'],
        ['POST', '/v1/send/in_app', 'sendInApp', 200, 'app', 'ok'],
      ]);
      expect(emu.operations.map((o) => [o.operation, o.personId, o.source])).to.deep.equal([
        ['sendSMS', 'u1', 'app'],
        ['sendWhatsApp', 'u2@example.com', 'app'],
        ['sendInboxMessage', 'u3', 'app'],
        ['sendInApp', 'u4', 'app'],
      ]);
      expect(emu.operations[0]?.payload).to.deep.equal({ identifiers: { id: 'u1' }, transactional_message_id: 11, to: '+15551234567', message_data: { code: '123' } });
      expect(emu.deliveries.get(String(sms['delivery_id']))).to.deep.equal({
        id: sms['delivery_id'],
        operation: 'sendSMS',
        personId: 'u1',
        transactionalMessageId: 11,
        requestSeq: 1,
        metrics: [],
      });
      expect([...emu.deliveries.values()].map((d) => [d.operation, d.transactionalMessageId])).to.deep.equal([
        ['sendSMS', 11],
        ['sendWhatsApp', 'otp'],
        ['sendInboxMessage', 'order_shipped'],
        ['sendInApp', 4],
      ]);
    });

    it('answers 400 to a send without a template, with several identifiers, or with bad fields, and records nothing', async () => {
      const api = appClient(emu);
      // The SDK's classes build these (TypeScript aside); Customer.io needs a template for all four kinds.
      const noTemplate = { identifiers: { id: 'u1' } } as never;
      await expectStatus(api.sendSMS(new SendSMSRequest(noTemplate)), 400, /^transactional_message_id is required$/);
      await expectStatus(api.sendWhatsApp(new SendWhatsAppRequest(noTemplate)), 400, /transactional_message_id is required/);
      await expectStatus(api.sendInboxMessage(new SendInboxMessageRequest(noTemplate)), 400, /transactional_message_id is required/);
      await expectStatus(api.sendInApp(new SendInAppRequest(noTemplate)), 400, /transactional_message_id is required/);
      const twoIds = { id: 'u1', email: 'u1@example.com' } as never;
      await expectStatus(api.sendSMS(new SendSMSRequest({ identifiers: twoIds, transactional_message_id: 1 })), 400, /only one, of id, email or cio_id; found id and email/);
      await expectStatus(api.sendInApp(new SendInAppRequest({ identifiers: {} as never, transactional_message_id: 1 })), 400, /identifiers must hold one of/);
      await expectStatus(api.sendWhatsApp(new SendWhatsAppRequest({ identifiers: { id: 'u1' }, transactional_message_id: '' })), 400, /must be a template id/);
      await expectStatus(api.sendInboxMessage(new SendInboxMessageRequest({ identifiers: { id: 'u1' }, transactional_message_id: 1, message_data: 'x' as never })), 400, /message_data must be an object/);
      await expectStatus(api.sendSMS(new SendSMSRequest({ identifiers: { id: 'u1' }, transactional_message_id: 1, to: 15551234567 as never })), 400, /to must be a string/);
      // An email still goes inline (no template) as before; its identifiers follow the same rule.
      await api.sendEmail(new SendEmailRequest({ to: 'a@example.com', identifiers: { id: 'u1' }, body: '<p>hi</p>', subject: 's', from: 'f@example.com' }));
      await expectStatus(api.sendEmail(new SendEmailRequest({ to: 'a@example.com', identifiers: twoIds, transactional_message_id: 1 })), 400, /only one/);
      expect(emu.operations.map((o) => o.operation)).to.deep.equal(['sendEmail']);
      expect([...emu.deliveries.values()].map((d) => [d.operation, d.transactionalMessageId])).to.deep.equal([['sendEmail', null]]);
    });

    it('answers 401 to a wrong App API key (and to the Track credentials)', async () => {
      const request = new SendSMSRequest({ identifiers: { id: 'u1' }, transactional_message_id: 1 });
      await expectStatus(appClient(emu, 'wrong-app-key').sendSMS(request), 401, /^Unauthorized request$/);
      await expectStatus(appClient(emu, 'wrong-app-key').sendInApp(new SendInAppRequest({ identifiers: { id: 'u1' }, transactional_message_id: 1 })), 401);
      expect(emu.requests.map((r) => [r.operation, r.auth, r.status])).to.deep.equal([
        ['sendSMS', 'invalid', 401],
        ['sendInApp', 'invalid', 401],
      ]);
      expect(emu.operations).to.have.length(0);
      expect(emu.deliveries.size).to.equal(0);
    });
  });

  describe('Track API: trackPush and reportMetric', () => {
    it('accept delivery metrics, attach them to a delivery the emulator issued, and need no credentials', async () => {
      const sent = await appClient(emu).sendSMS(new SendSMSRequest({ identifiers: { id: 'u1' }, transactional_message_id: 2 }));
      const deliveryId = String(sent['delivery_id']);
      const track = trackClient(emu);
      expect(await track.trackPush({ delivery_id: deliveryId, event: 'delivered', device_id: 'tok-1', timestamp: 1700000000 })).to.deep.equal({});
      expect(await track.reportMetric({ delivery_id: deliveryId, metric: 'clicked', href: 'https://example.com/a', timestamp: 1700000001 })).to.deep.equal({});
      await track.reportMetric({ delivery_id: 'RPILAgUBcRhIBqSfeiIwdIYJKxTY', metric: 'bounced', reason: 'mailbox full', recipient: 'x@example.com' });
      // Customer.io serves both routes without authentication: wrong credentials change nothing.
      await trackClient(emu, { apiKey: 'not-the-key' }).trackPush({ delivery_id: deliveryId, event: 'opened' });
      const open = await rawRequest(emu, 'POST', '/api/v1/metrics', JSON.stringify({ delivery_id: deliveryId, metric: 'converted' }), null);
      expect(open.status).to.equal(200);

      expect(emu.requests.slice(1).map((r) => [r.method, r.path, r.operation, r.status, r.api, r.auth])).to.deep.equal([
        ['POST', '/api/v1/push/events', 'trackPush', 200, 'track', 'ok'],
        ['POST', '/api/v1/metrics', 'reportMetric', 200, 'track', 'ok'],
        ['POST', '/api/v1/metrics', 'reportMetric', 200, 'track', 'ok'],
        ['POST', '/api/v1/push/events', 'trackPush', 200, 'track', 'invalid'],
        ['POST', '/api/v1/metrics', 'reportMetric', 200, 'track', 'missing'],
      ]);
      expect(emu.operations.slice(1).map((o) => [o.operation, o.personId, o.source])).to.deep.equal([
        ['trackPush', 'u1', 'v1'],
        ['reportMetric', 'u1', 'v1'],
        ['reportMetric', null, 'v1'],
        ['trackPush', 'u1', 'v1'],
        ['reportMetric', 'u1', 'v1'],
      ]);
      expect(emu.operations[1]?.payload).to.deep.equal({ delivery_id: deliveryId, event: 'delivered', device_id: 'tok-1', timestamp: 1700000000 });
      expect(emu.deliveries.get(deliveryId)?.metrics).to.deep.equal(['delivered', 'clicked', 'opened', 'converted']);
      expect(emu.deliveries.has('RPILAgUBcRhIBqSfeiIwdIYJKxTY')).to.equal(false);
    });

    it('answer 400 to a missing delivery_id, an unlisted event or metric, or a bad timestamp', async () => {
      const track = trackClient(emu);
      await expectStatus(track.trackPush({ delivery_id: 'd1', event: 'clicked' as never }), 400, /^event must be one of opened, converted, delivered$/);
      await expectStatus(track.trackPush({ event: 'opened' }), 400, /^delivery_id is required$/);
      await expectStatus(track.trackPush({ delivery_id: 'd1', event: 'opened', timestamp: 1.5 }), 400, /timestamp must be an integer/);
      await expectStatus(track.reportMetric({ delivery_id: 'd1', metric: 'sent' }), 400, /^metric must be one of bounced, clicked, converted, deferred, delivered, dropped, opened, spammed$/);
      await expectStatus(track.reportMetric({ delivery_id: 'd1' }), 400, /metric must be one of/);
      await expectStatus(track.reportMetric({ delivery_id: 'd1', metric: 'clicked', href: 7 as never }), 400, /href must be a string/);
      // The SDK refuses an empty delivery_id for reportMetric; the server does too.
      const raw = await rawRequest(emu, 'POST', '/api/v1/metrics', '{"metric":"opened"}');
      expect(raw.status).to.equal(400);
      expect(raw.json).to.deep.equal({ meta: { error: 'delivery_id is required' } });
      expect(emu.operations).to.have.length(0);
    });
  });

  describe('Track API: manual segments', () => {
    it('adds and removes people by id, email or cio_id, ignoring entries that cannot match the id_type', async () => {
      const track = trackClient(emu);
      expect(await track.addCustomersToSegment(7, ['u1', 'u2', 3])).to.deep.equal({});
      await track.addCustomersToSegment('7', ['a@example.com', 'not-an-email'], IdentifierType.Email);
      await track.addCustomersToSegment(8, ['abc'], IdentifierType.CioId);
      await track.removeCustomersFromSegment(7, ['u2', 'a@example.com'], IdentifierType.Id);
      await track.removeCustomersFromSegment(7, ['a@example.com'], IdentifierType.Email);

      expect(emu.requests.map((r) => [r.path, r.query, r.operation, r.status])).to.deep.equal([
        ['/api/v1/segments/7/add_customers', {}, 'addCustomersToSegment', 200],
        ['/api/v1/segments/7/add_customers', { id_type: 'email' }, 'addCustomersToSegment', 200],
        ['/api/v1/segments/8/add_customers', { id_type: 'cio_id' }, 'addCustomersToSegment', 200],
        ['/api/v1/segments/7/remove_customers', { id_type: 'id' }, 'removeCustomersFromSegment', 200],
        ['/api/v1/segments/7/remove_customers', { id_type: 'email' }, 'removeCustomersFromSegment', 200],
      ]);
      expect(emu.operations.map((o) => [o.operation, o.payload])).to.deep.equal([
        ['addCustomersToSegment', { ids: ['u1', 'u2', 3] }],
        ['addCustomersToSegment', { ids: ['a@example.com', 'not-an-email'] }],
        ['addCustomersToSegment', { ids: ['abc'] }],
        ['removeCustomersFromSegment', { ids: ['u2', 'a@example.com'] }],
        ['removeCustomersFromSegment', { ids: ['a@example.com'] }],
      ]);
      expect([...(emu.segments.get('7') ?? [])]).to.deep.equal(['u1', '3']);
      expect([...(emu.segments.get('8') ?? [])]).to.deep.equal(['cio_abc']);

      // Deleting a person takes them out of every segment; a merge moves the secondary's memberships.
      await track.destroy('u1');
      await track.mergeCustomers(IdentifierType.Id, 'p', IdentifierType.Id, '3');
      expect([...(emu.segments.get('7') ?? [])]).to.deep.equal(['p']);
    });

    it('answers 400 to more than 1000 ids, no ids or an unknown id_type, and 401 to wrong credentials', async () => {
      const track = trackClient(emu);
      const ids = Array.from({ length: 1001 }, (_, i) => `u${i}`);
      await expectStatus(track.addCustomersToSegment(1, ids), 400, /^1001 ids sent, the limit is 1000$/);
      await expectStatus(track.removeCustomersFromSegment(1, ids), 400, /1001 ids sent/);
      await track.addCustomersToSegment(1, ids.slice(0, 1000));
      expect(emu.segments.get('1')?.size).to.equal(1000);
      // What the SDK refuses to send, sent raw.
      const empty = await rawRequest(emu, 'POST', '/api/v1/segments/1/add_customers', '{"ids":[]}');
      expect([empty.status, empty.json]).to.deep.equal([400, { meta: { error: 'ids must be a non-empty array' } }]);
      const idType = await rawRequest(emu, 'POST', '/api/v1/segments/1/remove_customers?id_type=phone', '{"ids":["u1"]}');
      expect([idType.status, idType.json]).to.deep.equal([400, { meta: { error: 'id_type must be one of id, email or cio_id' } }]);
      await expectStatus(trackClient(emu, { apiKey: 'not-the-key' }).removeCustomersFromSegment(1, ['u1']), 401, /^Unauthorized request$/);
      expect(emu.operations.map((o) => o.operation)).to.deep.equal(['addCustomersToSegment']);
      expect(emu.segments.get('1')?.size).to.equal(1000);
    });
  });

  describe('Track API: submitForm', () => {
    it('answers 204 and identifies the person with the form fields, minus the reserved keys', async () => {
      const track = trackClient(emu);
      expect(await track.submitForm('signup', { email: 'f@example.com', first_name: 'Ada', form_name: 'ignored' })).to.deep.equal({});
      await track.submitForm(42, { id: 'u9', plan: 'pro' });
      expect(emu.requests.map((r) => [r.path, r.operation, r.status])).to.deep.equal([
        ['/api/v1/forms/signup/submit', 'submitForm', 204],
        ['/api/v1/forms/42/submit', 'submitForm', 204],
      ]);
      expect(emu.operations.map((o) => [o.operation, o.personId, o.payload])).to.deep.equal([
        ['submitForm', 'f@example.com', { data: { email: 'f@example.com', first_name: 'Ada', form_name: 'ignored' } }],
        ['submitForm', 'u9', { data: { id: 'u9', plan: 'pro' } }],
      ]);
      expect(emu.people.get('f@example.com')).to.deep.equal({ email: 'f@example.com', first_name: 'Ada' });
      expect(emu.people.get('u9')).to.deep.equal({ plan: 'pro' });
    });

    it('answers 400 to no identifier, both identifiers or a value that is not a string, and 401 to wrong credentials', async () => {
      const track = trackClient(emu);
      await expectStatus(track.submitForm('f', { first_name: 'Ada' }), 400, /^data must hold one, and only one, of id or email; found none$/);
      await expectStatus(track.submitForm('f', { id: 'u1', email: 'u1@example.com' }), 400, /found id and email/);
      await expectStatus(track.submitForm('f', { email: 'u1@example.com', age: 30 }), 400, /^form field "age" must be a string$/);
      const noData = await rawRequest(emu, 'POST', '/api/v1/forms/f/submit', '{}');
      expect([noData.status, noData.json]).to.deep.equal([400, { meta: { error: 'data is required and must be an object' } }]);
      await expectStatus(trackClient(emu, { apiKey: 'not-the-key' }).submitForm('f', { id: 'u1' }), 401);
      expect(emu.operations).to.have.length(0);
      expect(emu.people.size).to.equal(0);
    });
  });

  describe('Track API: unsubscribe', () => {
    it('sets the unsubscribed attribute of the delivery\'s person, needs no credentials, and records unknown deliveries only', async () => {
      const sent = await appClient(emu).sendEmail(new SendEmailRequest({ to: 'u1@example.com', identifiers: { id: 'u1' }, transactional_message_id: 3 }));
      const deliveryId = String(sent['delivery_id']);
      const track = trackClient(emu);
      expect(await track.unsubscribe(deliveryId)).to.deep.equal({});
      expect(emu.people.get('u1')).to.deep.equal({ unsubscribed: true });
      await trackClient(emu, { apiKey: 'not-the-key' }).unsubscribe(deliveryId, false);
      expect(emu.people.get('u1')).to.deep.equal({ unsubscribed: false });
      await track.unsubscribe('RPILAgUBcRhIBqSfeiIwdIYJKxTY');

      expect(emu.requests.slice(1).map((r) => [r.method, r.path, r.operation, r.status, r.auth])).to.deep.equal([
        ['POST', `/unsubscribe/${deliveryId}`, 'unsubscribe', 200, 'ok'],
        ['POST', `/unsubscribe/${deliveryId}`, 'unsubscribe', 200, 'invalid'],
        ['POST', '/unsubscribe/RPILAgUBcRhIBqSfeiIwdIYJKxTY', 'unsubscribe', 200, 'ok'],
      ]);
      expect(emu.operations.slice(1).map((o) => [o.operation, o.personId, o.payload])).to.deep.equal([
        ['unsubscribe', 'u1', { unsubscribe: true }],
        ['unsubscribe', 'u1', { unsubscribe: false }],
        ['unsubscribe', null, { unsubscribe: true }],
      ]);
      expect(emu.people.size).to.equal(1);
    });

    it('answers 400 to a malformed delivery id or a non-boolean flag', async () => {
      await expectStatus(trackClient(emu).unsubscribe('not a delivery id!'), 400, /^delivery_id is not a valid delivery id$/);
      const flag = await rawRequest(emu, 'POST', '/unsubscribe/RPILAgUBcRhIBqSfeiIwdIYJKxTY', '{"unsubscribe":"yes"}', null);
      expect([flag.status, flag.json]).to.deep.equal([400, { meta: { error: 'unsubscribe must be a boolean' } }]);
      expect(emu.operations).to.have.length(0);
    });
  });

  describe('Track API v2: objects through entity (and batch)', () => {
    const acme = { object_type_id: '1', object_id: 'acme' };

    it('keeps objects: identify with attributes and relationships, add/delete relationships from either side, delete', async () => {
      const track = trackClient(emu);
      await track.entity({
        type: 'object',
        identifiers: acme,
        action: 'identify',
        attributes: { name: 'Acme', plan: 'pro', gone: 'x' },
        cio_relationships: [{ identifiers: { id: 'u1' }, relationship_attributes: { role: 'admin' } }],
      });
      await track.entity({ type: 'object', identifiers: acme, action: 'identify', attributes: { plan: 'team', gone: null } });
      await track.entity({ type: 'object', identifiers: acme, action: 'add_relationships', cio_relationships: [{ identifiers: { email: 'b@example.com' } }] });
      await track.entity({ type: 'person', identifiers: { id: 'u3' }, action: 'add_relationships', cio_relationships: [{ identifiers: acme, relationship_attributes: { seat: 2 } }] });
      await track.entity({ type: 'object', identifiers: acme, action: 'delete_relationships', cio_relationships: [{ identifiers: { id: 'u1' } }] });
      // Named only by cio_object_id: valid and recorded, but the emulator assigns no such ids.
      await track.entity({ type: 'object', identifiers: { cio_object_id: 'ob1' }, action: 'identify', attributes: { x: 1 } });
      await track.entity({ type: 'object', identifiers: { object_type_id: '2', object_id: 'course-9' }, action: 'identify_anonymous', cio_relationships: [{ identifiers: { anonymous_id: 'v1' } }] });

      expect(emu.requests.map((r) => [r.path, r.operation, r.status])).to.deep.equal(new Array(7).fill(['/api/v2/entity', 'entity', 200]));
      expect(emu.operations.map((o) => [o.operation, o.action, o.personId, o.source, o.batchIndex])).to.deep.equal([
        ['object:identify', 'identify', null, 'v2', null],
        ['object:identify', 'identify', null, 'v2', null],
        ['object:add_relationships', 'add_relationships', null, 'v2', null],
        ['addRelationships', 'add_relationships', 'u3', 'v2', null],
        ['object:delete_relationships', 'delete_relationships', null, 'v2', null],
        ['object:identify', 'identify', null, 'v2', null],
        ['object:identify_anonymous', 'identify_anonymous', null, 'v2', null],
      ]);
      const object = emu.objects.get('1:acme');
      expect(object?.typeId).to.equal('1');
      expect(object?.objectId).to.equal('acme');
      expect(object?.attributes).to.deep.equal({ name: 'Acme', plan: 'team' });
      expect([...(object?.relationships ?? [])]).to.deep.equal([
        ['b@example.com', {}],
        ['u3', { seat: 2 }],
      ]);
      expect([...emu.objects.keys()]).to.deep.equal(['1:acme', '2:course-9']);

      // A person's delete removes their relationships; an object's delete removes it.
      await track.destroy('u3');
      expect([...(emu.objects.get('1:acme')?.relationships.keys() ?? [])]).to.deep.equal(['b@example.com']);
      await track.entity({ type: 'person', identifiers: { email: 'b@example.com' }, action: 'delete_relationships', cio_relationships: [{ identifiers: acme }] });
      expect(emu.objects.get('1:acme')?.relationships.size).to.equal(0);
      await track.entity({ type: 'object', identifiers: acme, action: 'delete' });
      expect([...emu.objects.keys()]).to.deep.equal(['2:course-9']);
    });

    it('answers 400 to an invalid object operation on /entity, and lists it in a 207 on /batch', async () => {
      const track = trackClient(emu);
      await expectStatus(track.entity({ type: 'object', identifiers: { object_type_id: '1' }, action: 'identify' }), 400, /^identifiers.object_id is required$/);
      await expectStatus(track.entity({ type: 'object', identifiers: {}, action: 'delete' }), 400, /identifiers must hold object_type_id and object_id, or cio_object_id/);
      await expectStatus(track.entity({ type: 'object', identifiers: acme, action: 'merge' }), 400, /^unknown action "merge" for type object$/);
      await expectStatus(track.entity({ type: 'object', identifiers: acme, action: 'add_relationships' }), 400, /cio_relationships must be a non-empty array/);
      await expectStatus(
        track.entity({ type: 'object', identifiers: acme, action: 'add_relationships', cio_relationships: [{ identifiers: { id: 'u1', email: 'u1@example.com' } }] }),
        400,
        /cio_relationships.0.identifiers must hold exactly one identifier/,
      );
      await expectStatus(track.entity({ type: 'object', identifiers: acme, action: 'identify', attributes: { big: 'x'.repeat(1001) } }), 400, /"big" is 1001 bytes/);
      expect(emu.operations).to.have.length(0);
      expect(emu.objects.size).to.equal(0);

      const res = await track.batch([
        { type: 'object', identifiers: acme, action: 'identify', attributes: { n: 1 } },
        { type: 'object', identifiers: acme, action: 'delete_relationships', cio_relationships: [{ identifiers: {} }] },
      ]);
      expect(emu.requests.at(-1)?.status).to.equal(207);
      expect(res).to.deep.equal({
        errors: [{ batch_index: 1, reason: 'required', field: 'cio_relationships.0.identifiers', message: 'cio_relationships.0.identifiers must hold one of id, email or cio_id' }],
      });
      expect(emu.operations.map((o) => [o.operation, o.batchIndex])).to.deep.equal([['object:identify', 0]]);
      expect(emu.objects.get('1:acme')?.attributes).to.deep.equal({ n: 1 });
    });

    it('answers 401 to wrong credentials and keeps nothing', async () => {
      await expectStatus(trackClient(emu, { apiKey: 'not-the-key' }).entity({ type: 'object', identifiers: acme, action: 'identify' }), 401);
      expect(emu.objects.size).to.equal(0);
    });
  });

  it('reset() forgets segments, objects and deliveries', async () => {
    const track = trackClient(emu);
    await track.addCustomersToSegment(1, ['u1']);
    await track.entity({ type: 'object', identifiers: { object_type_id: '1', object_id: 'a' }, action: 'identify' });
    await appClient(emu).sendInApp(new SendInAppRequest({ identifiers: { id: 'u1' }, transactional_message_id: 1 }));
    expect([emu.segments.size, emu.objects.size, emu.deliveries.size]).to.deep.equal([1, 1, 1]);
    emu.reset();
    expect([emu.segments.size, emu.objects.size, emu.deliveries.size]).to.deep.equal([0, 0, 0]);
  });
});
