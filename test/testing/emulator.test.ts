import { expect } from 'chai';
import { CustomerIORequestError, IdentifierType, SendEmailRequest, SendPushRequest } from 'customerio-node';
import { startCioEmulator } from '../../src/testing/index.js';
import type { CioEmulator } from '../../src/testing/index.js';
import { CREDS, TRACK_AUTH, appClient, rawRequest, rejectionOf, trackClient } from '../support/emulator.js';

describe('testing/emulator: routes and records', () => {
  let emu: CioEmulator;

  beforeEach(async () => {
    emu = await startCioEmulator(CREDS);
  });
  afterEach(async () => {
    await emu.close();
  });

  it('listens on 127.0.0.1 on a random port and derives the SDK base URLs', () => {
    expect(emu.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.port).to.be.greaterThan(0);
    expect(emu.trackUrl).to.equal(`${emu.url}/api/v1`);
    expect(emu.appUrl).to.equal(`${emu.url}/v1`);
    expect(emu.isUp).to.equal(true);
  });

  it('accepts and records every Track v1 route the SDK uses', async () => {
    const track = trackClient(emu);
    await track.identify('u1', { email: 'u1@example.com', plan: 'pro' });
    await track.track('u1', { name: 'signed_up', data: { source: 'ads' } });
    await track.trackPageView('u1', '/pricing');
    await track.trackAnonymous('anon-1', { name: 'visited' });
    await track.addDevice('u1', 'tok-1', 'ios', { last_used: 1700000000, app_version: '2.0' });
    await track.deleteDevice('u1', 'tok-1');
    await track.addDevice('u1', 'tok-2', 'android');
    await track.identify('u2', { email: 'u2@example.com', plan: 'free', extra: true });
    await track.mergeCustomers(IdentifierType.Id, 'u1', IdentifierType.Id, 'u2');
    await track.suppress('u3');
    await track.unsuppress('u3');
    await track.identify('u4', { a: 1 });
    await track.destroy('u4');
    const region = await track.getAccountRegion();

    expect(emu.requests.map((r) => [r.method, r.path, r.operation, r.status, r.api, r.auth])).to.deep.equal([
      ['PUT', '/api/v1/customers/u1', 'identify', 200, 'track', 'ok'],
      ['POST', '/api/v1/customers/u1/events', 'track', 200, 'track', 'ok'],
      ['POST', '/api/v1/customers/u1/events', 'trackPageView', 200, 'track', 'ok'],
      ['POST', '/api/v1/events', 'trackAnonymous', 200, 'track', 'ok'],
      ['PUT', '/api/v1/customers/u1/devices', 'addDevice', 200, 'track', 'ok'],
      ['DELETE', '/api/v1/customers/u1/devices/tok-1', 'deleteDevice', 200, 'track', 'ok'],
      ['PUT', '/api/v1/customers/u1/devices', 'addDevice', 200, 'track', 'ok'],
      ['PUT', '/api/v1/customers/u2', 'identify', 200, 'track', 'ok'],
      ['POST', '/api/v1/merge_customers', 'mergeCustomers', 200, 'track', 'ok'],
      ['POST', '/api/v1/customers/u3/suppress', 'suppress', 200, 'track', 'ok'],
      ['POST', '/api/v1/customers/u3/unsuppress', 'unsuppress', 200, 'track', 'ok'],
      ['PUT', '/api/v1/customers/u4', 'identify', 200, 'track', 'ok'],
      ['DELETE', '/api/v1/customers/u4', 'destroy', 200, 'track', 'ok'],
      ['GET', '/api/v1/accounts/region', 'getAccountRegion', 200, 'track', 'ok'],
    ]);
    expect(emu.requests.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(emu.operations.map((o) => o.operation)).to.deep.equal([
      'identify', 'track', 'trackPageView', 'trackAnonymous', 'addDevice', 'deleteDevice', 'addDevice',
      'identify', 'mergeCustomers', 'suppress', 'unsuppress', 'identify', 'destroy',
    ]);
    expect(region).to.deep.equal({ url: 'https://track.customer.io', data_center: 'us', environment_id: CREDS.siteId });

    expect(emu.events.map((e) => [e.kind, e.name, e.personId, e.anonymousId, e.source])).to.deep.equal([
      ['event', 'signed_up', 'u1', null, 'v1'],
      ['page', '/pricing', 'u1', null, 'v1'],
      ['event', 'visited', null, 'anon-1', 'v1'],
    ]);
    expect(emu.events[0]?.data).to.deep.equal({ source: 'ads' });

    // Merge: u2 folded into u1, primary values win; u2 deleted. Destroy removed u4.
    expect(emu.people.get('u1')).to.deep.equal({ email: 'u1@example.com', plan: 'pro', extra: true });
    expect(emu.people.has('u2')).to.equal(false);
    expect(emu.people.has('u4')).to.equal(false);
    expect([...(emu.devices.get('u1')?.keys() ?? [])]).to.deep.equal(['tok-2']);
    expect(emu.devices.get('u1')?.get('tok-2')?.platform).to.equal('android');
    expect(emu.suppressed.size).to.equal(0);
  });

  it('records the SDK request body and size, the query apart from the path, and X-Retry-Count', async () => {
    await trackClient(emu).identify('u1', { email: 'a@example.com' });
    const [rec] = emu.requests;
    expect(rec?.body).to.deep.equal({ email: 'a@example.com' });
    expect(rec?.bodyBytes).to.equal(Buffer.byteLength(JSON.stringify({ email: 'a@example.com' })));
    expect(rec?.retryCount).to.equal(0);
    expect(rec?.fault).to.equal(false);
    expect(rec?.at).to.be.a('number').within(Date.now() - 10_000, Date.now() + 1);

    const res = await rawRequest(emu, 'GET', '/api/v1/accounts/region?x=1&y=two');
    expect(res.status).to.equal(200);
    expect(emu.requests[1]?.path).to.equal('/api/v1/accounts/region');
    expect(emu.requests[1]?.query).to.deep.equal({ x: '1', y: 'two' });
  });

  it('decodes person ids from the path (the SDK percent-encodes them)', async () => {
    await trackClient(emu).identify('a b/c@d', { x: 1 });
    expect(emu.requests[0]?.path).to.equal('/api/v1/customers/a%20b%2Fc%40d');
    expect(emu.people.get('a b/c@d')).to.deep.equal({ x: 1 });
  });

  it('accepts Track v2 batch and entity operations of every person action', async () => {
    const track = trackClient(emu);
    const res = await track.batch([
      { type: 'person', identifiers: { id: 'p1' }, action: 'identify', attributes: { plan: 'pro' } },
      { type: 'person', identifiers: { email: 'p2@example.com' }, action: 'event', name: 'bought', attributes: { sku: 'a' } },
      { type: 'person', identifiers: { id: 'p1' }, action: 'page', name: '/home' },
      { type: 'person', identifiers: { cio_id: 'abc' }, action: 'screen', name: 'Settings' },
      { type: 'person', identifiers: { anonymous_id: 'anon-9' }, action: 'event', name: 'anon_event' },
      { type: 'person', identifiers: { id: 'p1' }, action: 'add_device', device: { token: 'dt', platform: 'ios' } },
      { type: 'person', identifiers: { id: 'p1' }, action: 'delete_device', device: { token: 'dt' } },
      { type: 'person', identifiers: { id: 'p3' }, action: 'suppress' },
      { type: 'person', identifiers: { id: 'p4' }, action: 'unsuppress' },
      { type: 'person', identifiers: { id: 'p5' }, action: 'delete' },
      { type: 'person', action: 'merge', primary: { id: 'p1' }, secondary: { email: 'p2@example.com' } },
      { type: 'object', identifiers: { object_type_id: '1', object_id: 'acme' }, action: 'identify', attributes: { n: 1 } },
    ]);
    expect(res).to.deep.equal({});
    await track.entity({ type: 'person', identifiers: { id: 'p6' }, action: 'identify', attributes: { v: 2 } });

    expect(emu.requests.map((r) => [r.path, r.operation, r.status])).to.deep.equal([
      ['/api/v2/batch', 'batch', 200],
      ['/api/v2/entity', 'entity', 200],
    ]);
    expect(emu.operations.map((o) => [o.operation, o.action, o.batchIndex, o.personId, o.source])).to.deep.equal([
      ['identify', 'identify', 0, 'p1', 'v2'],
      ['track', 'event', 1, 'p2@example.com', 'v2'],
      ['trackPageView', 'page', 2, 'p1', 'v2'],
      ['track', 'screen', 3, 'cio_abc', 'v2'],
      ['trackAnonymous', 'event', 4, null, 'v2'],
      ['addDevice', 'add_device', 5, 'p1', 'v2'],
      ['deleteDevice', 'delete_device', 6, 'p1', 'v2'],
      ['suppress', 'suppress', 7, 'p3', 'v2'],
      ['unsuppress', 'unsuppress', 8, 'p4', 'v2'],
      ['destroy', 'delete', 9, 'p5', 'v2'],
      ['mergeCustomers', 'merge', 10, 'p1', 'v2'],
      ['object:identify', 'identify', 11, null, 'v2'],
      ['identify', 'identify', null, 'p6', 'v2'],
    ]);
    expect(emu.events.map((e) => [e.kind, e.name, e.personId, e.anonymousId])).to.deep.equal([
      ['event', 'bought', 'p2@example.com', null],
      ['page', '/home', 'p1', null],
      ['screen', 'Settings', 'cio_abc', null],
      ['event', 'anon_event', null, 'anon-9'],
    ]);
    expect(emu.events[0]?.data).to.deep.equal({ sku: 'a' });
    expect(emu.people.get('p1')).to.deep.equal({ plan: 'pro' });
    expect(emu.people.get('p6')).to.deep.equal({ v: 2 });
    expect(emu.suppressed.has('p3')).to.equal(true);
    expect(emu.devices.has('p1')).to.equal(false);
  });

  it('accepts the App API sends and answers like Customer.io', async () => {
    const api = appClient(emu);
    const email = await api.sendEmail(
      new SendEmailRequest({ to: 'a@example.com', identifiers: { id: 'u1' }, transactional_message_id: 'welcome' }),
    );
    const push = await api.sendPush(new SendPushRequest({ identifiers: { email: 'a@example.com' }, transactional_message_id: 3 }));
    const broadcast = await api.triggerBroadcast(7, { promo: 'x' }, { ids: ['u1'] });

    expect(email['delivery_id']).to.be.a('string').with.length.greaterThan(8);
    expect(email['queued_at']).to.be.a('number').closeTo(Date.now() / 1000, 60);
    expect(push['delivery_id']).to.be.a('string').and.not.equal(email['delivery_id']);
    expect(broadcast['id']).to.be.a('number');
    expect(emu.requests.map((r) => [r.method, r.path, r.operation, r.status, r.api, r.auth])).to.deep.equal([
      ['POST', '/v1/send/email', 'sendEmail', 200, 'app', 'ok'],
      ['POST', '/v1/send/push', 'sendPush', 200, 'app', 'ok'],
      ['POST', '/v1/campaigns/7/triggers', 'triggerBroadcast', 200, 'app', 'ok'],
    ]);
    expect(emu.operations.map((o) => [o.operation, o.personId, o.source])).to.deep.equal([
      ['sendEmail', 'u1', 'app'],
      ['sendPush', 'a@example.com', 'app'],
      ['triggerBroadcast', null, 'app'],
    ]);
    expect(emu.operations[2]?.payload).to.deep.equal({ data: { promo: 'x' }, ids: ['u1'] });
  });

  it('rejects a transactional send without identifiers with 400', async () => {
    const res = await rawRequest(emu, 'POST', '/v1/send/email', '{"to":"a@example.com"}', `Bearer ${CREDS.appApiKey}`);
    expect(res.status).to.equal(400);
    expect(res.json).to.have.nested.property('meta.error').that.matches(/identifiers/);
    expect(emu.operations).to.have.length(0);
  });

  it('answers 401 Unauthorized request to wrong or missing credentials, and records the attempt', async () => {
    const wrongTrack = await rejectionOf(trackClient(emu, { apiKey: 'not-the-key' }).identify('u1', { a: 1 }));
    expect(wrongTrack).to.be.instanceOf(CustomerIORequestError);
    expect((wrongTrack as CustomerIORequestError).statusCode).to.equal(401);
    expect((wrongTrack as CustomerIORequestError).message).to.equal('Unauthorized request');

    const wrongApp = await rejectionOf(
      appClient(emu, 'nope').sendEmail(new SendEmailRequest({ to: 'a@b.c', identifiers: { id: 'u' }, transactional_message_id: 1 })),
    );
    expect((wrongApp as CustomerIORequestError).statusCode).to.equal(401);

    // The Track key is not an App key, and vice versa.
    const crossed = await rawRequest(emu, 'POST', '/v1/send/email', '{"identifiers":{"id":"u"}}', TRACK_AUTH);
    expect(crossed.status).to.equal(401);
    const missing = await rawRequest(emu, 'PUT', '/api/v1/customers/u1', '{}', null);
    expect(missing.status).to.equal(401);
    expect(missing.json).to.deep.equal({ meta: { error: 'Unauthorized request' } });

    expect(emu.requests.map((r) => [r.auth, r.status])).to.deep.equal([
      ['invalid', 401],
      ['invalid', 401],
      ['invalid', 401],
      ['missing', 401],
    ]);
    expect(emu.operations).to.have.length(0);
    expect(emu.people.size).to.equal(0);
  });

  it('answers 404 JSON to an unknown route and 400 to invalid JSON', async () => {
    const unknown = await rawRequest(emu, 'GET', '/api/v1/nothing-here');
    expect(unknown.status).to.equal(404);
    expect(unknown.contentType).to.match(/application\/json/);
    expect(unknown.json).to.have.nested.property('meta.error');
    const elsewhere = await rawRequest(emu, 'GET', '/favicon.ico');
    expect(elsewhere.status).to.equal(404);

    const bad = await rawRequest(emu, 'PUT', '/api/v1/customers/u1', '{"email": ');
    expect(bad.status).to.equal(400);
    expect(bad.json).to.have.nested.property('meta.error').that.matches(/JSON/);

    expect(emu.requests.map((r) => [r.api, r.operation, r.status, r.body])).to.deep.equal([
      ['track', null, 404, null],
      ['unknown', null, 404, null],
      ['track', 'identify', 400, null],
    ]);
    expect(emu.requests[2]?.bodyBytes).to.equal(10);
  });

  it('echoes the configured region', async () => {
    const eu = await startCioEmulator({ ...CREDS, region: 'eu' });
    try {
      const region = await trackClient(eu).getAccountRegion();
      expect(region).to.include({ data_center: 'eu', url: 'https://track-eu.customer.io' });
    } finally {
      await eu.close();
    }
  });

  it('uses the documented default credentials when none are given', async () => {
    const plain = await startCioEmulator();
    try {
      const res = await rawRequest(plain, 'GET', '/api/v1/accounts/region', undefined, `Basic ${Buffer.from('emu-site:emu-track-key').toString('base64')}`);
      expect(res.status).to.equal(200);
      const app = await rawRequest(plain, 'POST', '/v1/campaigns/1/triggers', '{}', 'Bearer emu-app-key');
      expect(app.status).to.equal(200);
    } finally {
      await plain.close();
    }
  });

  it('never records credentials', async () => {
    await trackClient(emu).identify('u1', { a: 1 });
    await rejectionOf(trackClient(emu, { apiKey: 'wrong-key-zz9' }).identify('u1', { a: 1 }));
    await appClient(emu).sendEmail(new SendEmailRequest({ to: 'a@b.c', identifiers: { id: 'u1' }, transactional_message_id: 1 }));
    await rejectionOf(appClient(emu, 'wrong-app-key-zz8').triggerBroadcast(1));
    emu.fault({ status: 503, times: 1 });
    await rejectionOf(trackClient(emu).track('u1', { name: 'e' }));
    expect(emu.requests).to.have.length(5);

    const dump = JSON.stringify([emu.requests, emu.operations, emu.events, [...emu.people]]);
    for (const secret of [CREDS.apiKey, CREDS.appApiKey, 'wrong-key-zz9', 'wrong-app-key-zz8', TRACK_AUTH.slice(6), 'Basic ', 'Bearer']) {
      expect(dump).to.not.include(secret);
    }
    expect(JSON.stringify(emu.requests).toLowerCase()).to.not.include('authorization');
  });
});
