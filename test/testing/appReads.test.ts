import { expect } from 'chai';
import { CustomerIORequestError, FilterOperator, IdentifierType, SendEmailRequest, SendSMSRequest } from 'customerio-node';
import { startCioEmulator } from '../../src/testing/index.js';
import type { CioEmulator } from '../../src/testing/index.js';
import { CREDS, appClient, rejectionOf, trackClient } from '../support/emulator.js';

/** Assert an SDK call failed with `status` (and a `meta.error` matching `pattern`). */
async function expectStatus(promise: Promise<unknown>, status: number, pattern?: RegExp): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).to.be.instanceOf(CustomerIORequestError);
  const cioError = error as CustomerIORequestError;
  expect(cioError.statusCode).to.equal(status);
  if (pattern) expect(cioError.message).to.match(pattern);
}

const HEX12 = /^[0-9a-f]{12}$/;

describe('testing/emulator: App API reads', () => {
  let emu: CioEmulator;

  beforeEach(async () => {
    emu = await startCioEmulator(CREDS);
  });
  afterEach(async () => {
    await emu.close();
  });

  /** Three people through the Track API: one by id with an email, one by email, one by cio_id. */
  async function seed(): Promise<void> {
    const track = trackClient(emu);
    await track.identify('u1', { email: 'ann@example.com', plan: 'pro', logins: 3 });
    await track.identify('bob@example.com', { plan: 'free' });
    await track.identify('cio_abc123', { id: 'u3', email: 'cy@example.com', plan: 'pro' });
    await track.addDevice('u1', 'tok-1', 'ios', { last_used: 1_700_000_000, app_version: '1.2' });
    await track.addCustomersToSegment(7, ['u1', 'u9']);
    await track.addCustomersToSegment(7, ['bob@example.com'], IdentifierType.Email);
  }

  describe('getCustomersByEmail (GET /v1/customers?email=)', () => {
    it('finds a person by their email, whether it is their key or an attribute; { results: [] } when nobody has it', async () => {
      await seed();
      const api = appClient(emu);
      const ann = await api.getCustomersByEmail('ann@example.com');
      expect(ann['results']).to.have.length(1);
      expect(ann['results'][0]).to.include({ email: 'ann@example.com', id: 'u1' });
      expect(ann['results'][0]['cio_id']).to.match(HEX12);
      const bob = await api.getCustomersByEmail('bob@example.com');
      expect(bob['results']).to.deep.equal([{ email: 'bob@example.com', id: null, cio_id: bob['results'][0]['cio_id'] }]);
      expect(await api.getCustomersByEmail('cy@example.com')).to.deep.equal({ results: [{ email: 'cy@example.com', id: 'u3', cio_id: 'abc123' }] });
      // Customer.io answers 200 with no results for an unknown email (seen live by customerio-node's fixtures).
      expect(await api.getCustomersByEmail('nobody@example.com')).to.deep.equal({ results: [] });

      expect(emu.requests.filter((r) => r.api === 'app').map((r) => [r.method, r.path, r.query, r.operation, r.status])).to.deep.equal([
        ['GET', '/v1/customers', { email: 'ann@example.com' }, 'getCustomersByEmail', 200],
        ['GET', '/v1/customers', { email: 'bob@example.com' }, 'getCustomersByEmail', 200],
        ['GET', '/v1/customers', { email: 'cy@example.com' }, 'getCustomersByEmail', 200],
        ['GET', '/v1/customers', { email: 'nobody@example.com' }, 'getCustomersByEmail', 200],
      ]);
      // Reads change nothing and record no operation.
      expect(emu.operations.filter((o) => o.source === 'app')).to.have.length(0);
    });
  });

  describe('getAttributes (GET /v1/customers/:id/attributes)', () => {
    it('answers { customer } with attributes (identifiers among them), timestamps, unsubscribed and devices', async () => {
      await seed();
      const before = Math.floor(Date.now() / 1000);
      const { customer } = await appClient(emu).getAttributes('u1');
      const cioId = (await appClient(emu).getCustomersByEmail('ann@example.com'))['results'][0]['cio_id'];
      expect(customer).to.deep.include({
        id: 'u1',
        identifiers: { email: 'ann@example.com', id: 'u1', cio_id: cioId },
        attributes: { email: 'ann@example.com', plan: 'pro', logins: 3, id: 'u1', cio_id: cioId },
        unsubscribed: false,
        devices: [{ id: 'tok-1', platform: 'ios', last_used: 1_700_000_000, attributes: { app_version: '1.2' } }],
      });
      expect(Object.keys(customer.timestamps).sort()).to.deep.equal(['cio_id', 'email', 'id', 'logins', 'plan']);
      expect(customer.timestamps.plan).to.be.within(before - 60, before + 60);
    });

    it('looks people up by id_type email or cio_id, and answers 404 for an unknown or deleted person', async () => {
      await seed();
      const api = appClient(emu);
      expect((await api.getAttributes('bob@example.com', IdentifierType.Email)).customer).to.deep.include({
        id: null,
        attributes: { plan: 'free', email: 'bob@example.com', cio_id: (await api.getCustomersByEmail('bob@example.com'))['results'][0]['cio_id'] },
      });
      expect((await api.getAttributes('abc123', IdentifierType.CioId)).customer).to.include({ id: 'u3' });
      expect((await api.getAttributes('ann@example.com', IdentifierType.Email)).customer).to.include({ id: 'u1' });
      await expectStatus(api.getAttributes('nobody'), 404, /does not exist/);
      // bob is stored under his email, not under an id.
      await expectStatus(api.getAttributes('bob@example.com'), 404);
      await trackClient(emu).destroy('u1');
      await expectStatus(api.getAttributes('u1'), 404);
      expect(emu.requests.filter((r) => r.operation === 'getAttributes').map((r) => [r.path, r.query['id_type'], r.status])).to.deep.equal([
        ['/v1/customers/bob%40example.com/attributes', 'email', 200],
        ['/v1/customers/abc123/attributes', 'cio_id', 200],
        ['/v1/customers/ann%40example.com/attributes', 'email', 200],
        ['/v1/customers/nobody/attributes', 'id', 404],
        ['/v1/customers/bob%40example.com/attributes', 'id', 404],
        ['/v1/customers/u1/attributes', 'id', 404],
      ]);
    });

    it('reports unsubscribed from the unsubscribed attribute', async () => {
      await trackClient(emu).identify('u5', { unsubscribed: true });
      expect((await appClient(emu).getAttributes('u5')).customer.unsubscribed).to.equal(true);
    });
  });

  describe('getCustomersAttributes (POST /v1/customers/attributes)', () => {
    it('answers { customers: [{ customer }] } for the ids it knows, omitting the others', async () => {
      await seed();
      // u3 is the id attribute of the person stored under cio_abc123: found by id too.
      const answer = await appClient(emu).getCustomersAttributes(['u3', 'nobody', 'u1']);
      expect(answer['customers'].map((c: { customer: { id: string } }) => c.customer.id)).to.deep.equal(['u3', 'u1']);
      expect(answer['customers'][0].customer.identifiers).to.deep.equal({ email: 'cy@example.com', id: 'u3', cio_id: 'abc123' });
      expect(emu.requests.at(-1)).to.include({ method: 'POST', path: '/v1/customers/attributes', operation: 'getCustomersAttributes', status: 200 });
    });

    it('answers 400 to more than 100 ids', async () => {
      await expectStatus(appClient(emu).getCustomersAttributes(Array.from({ length: 101 }, (_, i) => `u${i}`)), 400, /1 to 100/);
    });
  });

  describe('searchCustomers (POST /v1/customers)', () => {
    it('filters by attribute (eq, exists), segment, and/or/not, answering { identifiers, ids, next }', async () => {
      await seed();
      const api = appClient(emu);
      const pro = await api.searchCustomers({ attribute: { field: 'plan', operator: FilterOperator.Eq, value: 'pro' } });
      expect(pro['ids']).to.deep.equal(['u1', 'u3']);
      expect(pro['identifiers'].map((i: { email: string }) => i.email)).to.deep.equal(['ann@example.com', 'cy@example.com']);
      expect(pro['next']).to.equal('');

      const withLogins = await api.searchCustomers({ attribute: { field: 'logins', operator: FilterOperator.Exists } });
      expect(withLogins['ids']).to.deep.equal(['u1']);
      const inSegment = await api.searchCustomers({ segment: { id: 7 } });
      // bob has no id: '' in ids, as Customer.io lists a member without one.
      expect(inSegment['ids']).to.deep.equal(['u1', '']);
      const notPro = await api.searchCustomers({ not: { attribute: { field: 'plan', operator: FilterOperator.Eq, value: 'pro' } } });
      expect(notPro['identifiers'].map((i: { email: string }) => i.email)).to.deep.equal(['bob@example.com']);
      const either = await api.searchCustomers({
        or: [{ attribute: { field: 'email', operator: FilterOperator.Eq, value: 'bob@example.com' } }, { attribute: { field: 'id', operator: FilterOperator.Eq, value: 'u3' } }],
      });
      expect(either['identifiers'].map((i: { email: string }) => i.email)).to.deep.equal(['bob@example.com', 'cy@example.com']);
      const both = await api.searchCustomers({ and: [{ segment: { id: 7 } }, { attribute: { field: 'plan', operator: FilterOperator.Eq, value: 'pro' } }] });
      expect(both['ids']).to.deep.equal(['u1']);
      expect(emu.requests.at(-1)).to.include({ method: 'POST', path: '/v1/customers', operation: 'searchCustomers', status: 200 });
    });

    it('pages with start and limit, and answers 400 to a filter Customer.io does not take', async () => {
      await seed();
      const api = appClient(emu);
      const all = { attribute: { field: 'plan', operator: FilterOperator.Exists } };
      const first = await api.searchCustomers(all, { limit: 2 });
      expect(first['ids']).to.deep.equal(['u1', '']);
      expect(first['next']).to.equal('2');
      const second = await api.searchCustomers(all, { limit: 2, start: first['next'] });
      expect(second['ids']).to.deep.equal(['u3']);
      expect(second['next']).to.equal('');

      await expectStatus(api.searchCustomers({ attribute: { field: 'plan', operator: 'gt' as FilterOperator, value: '1' } }), 400, /eq or exists/);
      await expectStatus(api.searchCustomers({ and: [] }), 400, /non-empty array/);
      await expectStatus(api.searchCustomers(all, { limit: 1001 }), 400, /1 to 1000/);
    });
  });

  describe('manual segments (GET /v1/segments/:id/membership, /customer_count)', () => {
    it('lists the members and counts them; 404 for a segment never used', async () => {
      await seed();
      const api = appClient(emu);
      const members = await api.getSegmentMembership(7);
      expect(members['ids']).to.deep.equal(['u1', 'u9', '']);
      expect(members['identifiers'].map((i: { email: string | null }) => i.email)).to.deep.equal(['ann@example.com', null, 'bob@example.com']);
      expect(members['next']).to.equal('');
      expect(await api.getSegmentCustomerCount(7)).to.deep.equal({ count: 3 });
      await trackClient(emu).removeCustomersFromSegment(7, ['u9']);
      expect(await api.getSegmentCustomerCount(7)).to.deep.equal({ count: 2 });
      const paged = await api.getSegmentMembership(7, { limit: 1 });
      expect([paged['ids'], paged['next']]).to.deep.equal([['u1'], '1']);

      await expectStatus(api.getSegmentMembership(99), 404, /segment does not exist/);
      await expectStatus(api.getSegmentCustomerCount(99), 404);
    });
  });

  describe('getMessage (GET /v1/messages/:id)', () => {
    it('answers { message } for a transactional delivery, with the metrics reported for it', async () => {
      await seed();
      const api = appClient(emu);
      const sent = await api.sendEmail(
        new SendEmailRequest({ identifiers: { id: 'u1' }, transactional_message_id: 12, to: 'ann@example.com', subject: 'Hello', message_data: {} }),
      );
      const deliveryId = String(sent['delivery_id']);
      await trackClient(emu).reportMetric({ delivery_id: deliveryId, metric: 'delivered' });
      await trackClient(emu).reportMetric({ delivery_id: deliveryId, metric: 'opened' });

      const { message } = await api.getMessage(deliveryId);
      const cioId = (await api.getCustomersByEmail('ann@example.com'))['results'][0]['cio_id'];
      expect(message).to.deep.include({
        id: deliveryId,
        customer_id: 'u1',
        customer_identifiers: { email: 'ann@example.com', id: 'u1', cio_id: cioId },
        recipient: 'ann@example.com',
        subject: 'Hello',
        transactional_message_id: 12,
        type: 'email',
        failure_message: null,
        forgotten: false,
      });
      expect(Object.keys(message.metrics)).to.deep.equal(['delivered', 'opened']);
      expect(message.metrics.delivered).to.be.within(message.created, message.created + 60);
      expect(message.deduplicate_id).to.equal(`${deliveryId}:${message.created}`);

      const sms = await api.sendSMS(new SendSMSRequest({ identifiers: { email: 'bob@example.com' }, transactional_message_id: 'otp', to: '+15551234567' }));
      expect((await api.getMessage(String(sms['delivery_id']))).message).to.deep.include({
        customer_id: null,
        recipient: '+15551234567',
        type: 'twilio',
        transactional_message_id: 'otp',
        metrics: {},
      });
      await expectStatus(api.getMessage('not-a-delivery'), 404, /message does not exist/);
    });
  });

  describe('auth and faults', () => {
    it('answers 401 to a wrong App API key on every read, and a fault can target a read', async () => {
      await seed();
      const wrong = appClient(emu, 'not-the-app-key');
      await expectStatus(wrong.getCustomersByEmail('ann@example.com'), 401);
      await expectStatus(wrong.getAttributes('u1'), 401);
      await expectStatus(wrong.searchCustomers({ segment: { id: 7 } }), 401);
      await expectStatus(wrong.getSegmentMembership(7), 401);
      await expectStatus(wrong.getMessage('x'), 401);

      const rule = emu.fault({ status: 503, times: 1, match: { operation: 'getAttributes' } });
      await expectStatus(appClient(emu).getAttributes('u1'), 503);
      expect((await appClient(emu).getAttributes('u1')).customer.id).to.equal('u1');
      expect(rule.hits).to.equal(1);
    });
  });
});
