import { expect } from 'chai';
import { CustomerIORequestError } from 'customerio-node';
import { ulid } from 'ulid';
import { isUlid, startCioEmulator } from '../../src/testing/index.js';
import type { CioEmulator } from '../../src/testing/index.js';
import { CREDS, rawRequest, rejectionOf, trackClient } from '../support/emulator.js';

/** Assert an SDK call failed with 400 and a `meta.error` matching `pattern`, visible in the SDK's message. */
async function expect400(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).to.be.instanceOf(CustomerIORequestError);
  const cioError = error as CustomerIORequestError;
  expect(cioError.statusCode).to.equal(400);
  expect(cioError.message).to.match(pattern);
  const body = JSON.parse(cioError.body) as { meta?: { error?: string } };
  expect(body.meta?.error).to.equal(cioError.message);
}

describe('testing/emulator: Customer.io limits', () => {
  let emu: CioEmulator;

  beforeEach(async () => {
    emu = await startCioEmulator(CREDS);
  });
  afterEach(async () => {
    await emu.close();
  });

  describe('v1', () => {
    it('limits person ids to 150 bytes, counted in UTF-8', async () => {
      const track = trackClient(emu);
      await track.identify('i'.repeat(150), { a: 1 });
      await expect400(track.identify('i'.repeat(151), { a: 1 }), /customer id is 151 bytes, the limit is 150/);
      // 76 two-byte characters: 76 characters but 152 bytes.
      await expect400(track.track('é'.repeat(76), { name: 'e' }), /152 bytes/);
      await expect400(track.suppress('x'.repeat(151)), /customer id/);
      expect(emu.requests.map((r) => r.status)).to.deep.equal([200, 400, 400, 400]);
      expect(emu.operations).to.have.length(1);
      expect(emu.events).to.have.length(0);
    });

    it('limits attribute names to 150 bytes and values to 1000 bytes', async () => {
      const track = trackClient(emu);
      await track.identify('u1', { ['n'.repeat(150)]: 1, s: 'v'.repeat(1000), arr: Array.from({ length: 199 }, () => 1) });
      await expect400(track.identify('u1', { ['n'.repeat(151)]: 1 }), /attribute name is 151 bytes, the limit is 150/);
      await expect400(track.identify('u1', { s: 'v'.repeat(1001) }), /attribute value of "s" is 1001 bytes, the limit is 1000/);
      await expect400(track.identify('u1', { s: 'ü'.repeat(501) }), /1002 bytes/);
      // Non-strings are measured as JSON: [1,1,...] with 500 items is 1001 bytes.
      await expect400(track.identify('u1', { arr: Array.from({ length: 500 }, () => 1) }), /"arr" is 1001 bytes/);
      expect(emu.operations).to.have.length(1);
      expect(emu.people.get('u1')?.['s']).to.equal('v'.repeat(1000));
    });

    it('allows 300 attributes per call and rejects 301', async () => {
      const attrs = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, i]));
      const track = trackClient(emu);
      await track.identify('u1', attrs(300));
      await expect400(track.identify('u1', attrs(301)), /301 attributes sent, the limit is 300/);
      expect(Object.keys(emu.people.get('u1') ?? {})).to.have.length(300);
    });

    it('limits event names to 100 bytes and event data to 100 000 bytes', async () => {
      const track = trackClient(emu);
      await track.track('u1', { name: 'n'.repeat(100) });
      await expect400(track.track('u1', { name: 'n'.repeat(101) }), /event name is 101 bytes, the limit is 100/);
      await expect400(track.trackAnonymous('a1', { name: 'n'.repeat(101) }), /event name/);
      await expect400(track.trackPageView('u1', `/${'p'.repeat(100)}`), /event name is 101 bytes/);
      // {"blob":"…"} is 11 bytes of JSON around the string.
      await track.track('u1', { name: 'big', data: { blob: 'x'.repeat(100_000 - 11) } });
      await expect400(track.track('u1', { name: 'big', data: { blob: 'x'.repeat(100_000 - 10) } }), /event data is 100001 bytes, the limit is 100000/);
      expect(emu.events.map((e) => e.name)).to.deep.equal(['n'.repeat(100), 'big']);
    });

    it('requires an event name (the SDK checks it too, so raw requests prove the server does)', async () => {
      const named = await rawRequest(emu, 'POST', '/api/v1/customers/u1/events', '{"data":{}}');
      expect(named.status).to.equal(400);
      expect(named.json).to.deep.equal({ meta: { error: 'event name is required' } });
      const anon = await rawRequest(emu, 'POST', '/api/v1/events', '{"name":"","anonymous_id":"a"}');
      expect(anon.status).to.equal(400);
      expect(emu.events).to.have.length(0);
    });

    it('requires an event id, when present, to be a ULID', async () => {
      const track = trackClient(emu);
      await expect400(track.track('u1', { name: 'e', id: 'not-a-ulid' }), /ULID/);
      await expect400(track.track('u1', { name: 'e', id: '01ARZ3NDEKTSV4RRFFQ69G5FAU' }), /ULID/); // U is not Crockford
      await expect400(track.trackAnonymous('a', { name: 'e', id: '81ARZ3NDEKTSV4RRFFQ69G5FAV' }), /ULID/); // > 128 bits
      const id = ulid();
      await track.track('u1', { name: 'e', id });
      expect(emu.events[0]?.id).to.equal(id);
      expect(isUlid(id)).to.equal(true);
      expect(isUlid(id.toLowerCase())).to.equal(true);
      expect(isUlid(`${id}0`)).to.equal(false);
    });

    it('checks device attributes and requires a device id', async () => {
      const track = trackClient(emu);
      await expect400(track.addDevice('u1', 'tok', 'ios', { big: 'x'.repeat(1001) }), /"big" is 1001 bytes/);
      const noId = await rawRequest(emu, 'PUT', '/api/v1/customers/u1/devices', '{"device":{"platform":"ios"}}');
      expect(noId.status).to.equal(400);
      expect(emu.devices.size).to.equal(0);
    });
  });

  describe('v2', () => {
    it('answers 207 with per-item errors, applying the good items', async () => {
      const track = trackClient(emu);
      const goodEventId = ulid();
      const res = await track.batch([
        { type: 'person', identifiers: { id: 'ok1' }, action: 'identify', attributes: { plan: 'pro' } },
        { type: 'person', action: 'identify', attributes: { plan: 'x' } },
        { type: 'person', identifiers: { id: 'ok1' }, action: 'explode' },
        { type: 'person', identifiers: { id: 'ok1' }, action: 'event', name: 'n'.repeat(101) },
        { type: 'person', identifiers: { id: 'ok1' }, action: 'event', name: 'e', id: 'nope' },
        { type: 'person', identifiers: { id: 'ok1' }, action: 'event', name: 'good', id: goodEventId },
        { type: 'person', identifiers: { id: 'ok1' }, action: 'identify', attributes: { big: 'x'.repeat(31_000), big2: 'y'.repeat(2_000) } },
        { type: 'person', identifiers: { id: 'i'.repeat(151) }, action: 'delete' },
        'not an object' as unknown as Record<string, unknown>,
      ]);
      expect(emu.requests[0]?.status).to.equal(207);
      const errors = (res as { errors: { batch_index: number; reason: string; field: string; message: string }[] }).errors;
      expect(errors.map((e) => [e.batch_index, e.reason, e.field])).to.deep.equal([
        [1, 'required', 'identifiers'],
        [2, 'invalid', 'action'],
        [3, 'too_long', 'name'],
        [4, 'invalid', 'id'],
        [6, 'too_large', ''],
        [7, 'too_long', 'identifiers.id'],
        [8, 'invalid', ''],
      ]);
      for (const e of errors) expect(e.message).to.be.a('string').and.not.equal('');
      expect(errors.find((e) => e.batch_index === 6)?.message).to.match(/the limit is 32768/);
      expect(emu.operations.map((o) => [o.batchIndex, o.operation])).to.deep.equal([
        [0, 'identify'],
        [5, 'track'],
      ]);
      expect(emu.people.get('ok1')).to.deep.equal({ plan: 'pro' });
      expect(emu.events.map((e) => e.id)).to.deep.equal([goodEventId]);
    });

    it('enforces the attribute limits inside v2 identify items', async () => {
      const res = await trackClient(emu).batch([
        { type: 'person', identifiers: { id: 'u' }, action: 'identify', attributes: { v: 'x'.repeat(1001) } },
      ]);
      expect((res as { errors: { field: string }[] }).errors[0]?.field).to.equal('attributes.v');
      expect(emu.people.size).to.equal(0);
    });

    it('answers 400 to a batch body over 500 KB and applies none of it', async () => {
      const item = (i: number) => ({ type: 'person', identifiers: { id: `u${i}` }, action: 'identify', attributes: { pad: 'x'.repeat(900) } });
      const items = Array.from({ length: 560 }, (_, i) => item(i));
      expect(Buffer.byteLength(JSON.stringify({ batch: items }))).to.be.greaterThan(500 * 1024);
      await expect400(trackClient(emu).batch(items), /the limit is 512000/);
      expect(emu.operations).to.have.length(0);
      // Just under the limit is fine.
      await trackClient(emu).batch(items.slice(0, 500));
      expect(emu.operations).to.have.length(500);
    });

    it('answers 400 with meta.error to an invalid v2 entity', async () => {
      await expect400(trackClient(emu).entity({ type: 'person', identifiers: { id: 'u' }, action: 'event' }), /event name is required/);
      await expect400(trackClient(emu).entity({ identifiers: { id: 'u' }, action: 'identify' }), /type is required/);
      expect(emu.operations).to.have.length(0);
    });

    it('answers 400 to a batch without a batch array', async () => {
      const res = await rawRequest(emu, 'POST', '/api/v2/batch', '{"ops":[]}');
      expect(res.status).to.equal(400);
    });

    /** The `[batch_index, reason, field]` of each item error of a 207 answer to `items`. */
    async function itemErrors(items: Record<string, unknown>[]): Promise<[number, string, string][]> {
      const res = await trackClient(emu).batch(items);
      const errors = (res as { errors?: { batch_index: number; reason: string; field: string }[] }).errors ?? [];
      expect(emu.requests.at(-1)?.status).to.equal(errors.length > 0 ? 207 : 200);
      return errors.map((e) => [e.batch_index, e.reason, e.field]);
    }

    it('takes devices as Customer.io documents them: device.token and device.platform to add, device.token to delete', async () => {
      const person = { type: 'person', identifiers: { id: 'd1' } };
      expect(
        await itemErrors([
          { ...person, action: 'add_device' },
          { ...person, action: 'add_device', device: { platform: 'ios' } },
          { ...person, action: 'add_device', device: { id: 'v1-name', platform: 'ios' } },
          { ...person, action: 'add_device', device: { token: 't1' } },
          { ...person, action: 'add_device', device: { token: 't1', platform: 'ios', attributes: { big: 'x'.repeat(1001) } } },
          { ...person, action: 'delete_device' },
          { ...person, action: 'delete_device', device: {} },
          { ...person, action: 'add_device', device: { token: 't2', platform: 'android', last_used: 1700000000, attributes: { app_version: '2' } } },
        ]),
      ).to.deep.equal([
        [0, 'required', 'device'],
        [1, 'required', 'device.token'],
        [2, 'required', 'device.token'],
        [3, 'required', 'device.platform'],
        [4, 'too_long', 'device.attributes.big'],
        [5, 'required', 'device'],
        [6, 'required', 'device.token'],
      ]);
      expect(emu.devices.get('d1')?.get('t2')).to.deep.equal({ token: 't2', platform: 'android', lastUsed: 1700000000, attributes: { app_version: '2' } });
      expect(emu.operations.map((o) => [o.batchIndex, o.operation])).to.deep.equal([[7, 'addDevice']]);
    });

    it('requires exactly one identifier in identifiers, primary and secondary', async () => {
      expect(
        await itemErrors([
          { type: 'person', identifiers: { id: 'a', email: 'a@example.com' }, action: 'identify', attributes: {} },
          { type: 'person', identifiers: { id: 'a', anonymous_id: 'v' }, action: 'event', name: 'e' },
          { type: 'person', identifiers: {}, action: 'delete' },
          { type: 'person', action: 'merge', primary: { id: 'a', cio_id: 'b' }, secondary: { id: 'c' } },
          { type: 'person', action: 'merge', primary: { id: 'a' } },
          { type: 'person', action: 'merge', identifiers: { id: 'a' }, primary: { id: 'a' }, secondary: { email: 'c@example.com' } },
        ]),
      ).to.deep.equal([
        [0, 'invalid', 'identifiers'],
        [1, 'invalid', 'identifiers'],
        [2, 'required', 'identifiers'],
        [3, 'invalid', 'primary'],
        [4, 'required', 'secondary'],
      ]);
      expect(emu.operations.map((o) => [o.batchIndex, o.operation, o.personId])).to.deep.equal([[5, 'mergeCustomers', 'a']]);
    });

    it('takes an anonymous event as identifiers.anonymous_id, checked as v1 checks anonymous_id, and nothing else anonymous', async () => {
      expect(
        await itemErrors([
          { type: 'person', identifiers: { anonymous_id: 'visitor-1' }, action: 'event', name: 'viewed', attributes: { a: 1 } },
          { type: 'person', identifiers: { anonymous_id: 'visitor-1' }, action: 'page', name: '/pricing' },
          { type: 'person', anonymous_id: 'visitor-1', action: 'event', name: 'top-level' },
          { type: 'person', identifiers: { anonymous_id: 'v'.repeat(151) }, action: 'event', name: 'long' },
          { type: 'person', identifiers: { anonymous_id: '' }, action: 'event', name: 'empty' },
          { type: 'person', identifiers: { anonymous_id: 7 }, action: 'event', name: 'number' },
          { type: 'person', identifiers: { anonymous_id: 'visitor-1' }, action: 'identify', attributes: { x: 1 } },
          { type: 'person', identifiers: { anonymous_id: 'visitor-1' }, action: 'add_device', device: { token: 't', platform: 'ios' } },
        ]),
      ).to.deep.equal([
        [2, 'required', 'identifiers'],
        [3, 'too_long', 'identifiers.anonymous_id'],
        [4, 'required', 'identifiers.anonymous_id'],
        [5, 'invalid', 'identifiers.anonymous_id'],
        [6, 'required', 'identifiers'],
        [7, 'required', 'identifiers'],
      ]);
      expect(emu.events.map((e) => [e.kind, e.name, e.personId, e.anonymousId])).to.deep.equal([
        ['event', 'viewed', null, 'visitor-1'],
        ['page', '/pricing', null, 'visitor-1'],
      ]);
      expect(emu.operations.map((o) => o.operation)).to.deep.equal(['trackAnonymous', 'trackAnonymous']);
      expect(emu.people.size).to.equal(0);
    });

    it('takes relationship changes of a person, and rejects unknown entity types', async () => {
      const person = { type: 'person', identifiers: { id: 'r1' } };
      const acme = { identifiers: { object_type_id: '1', object_id: 'acme' }, relationship_attributes: { role: 'admin' } };
      expect(
        await itemErrors([
          { ...person, action: 'add_relationships', cio_relationships: [acme] },
          { ...person, action: 'delete_relationships', cio_relationships: [{ identifiers: { cio_object_id: 'ob1' } }] },
          { ...person, action: 'add_relationships' },
          { ...person, action: 'add_relationships', cio_relationships: [{ identifiers: { object_id: 'acme' } }] },
          { type: 'people', identifiers: { id: 'r1' }, action: 'identify' },
        ]),
      ).to.deep.equal([
        [2, 'required', 'cio_relationships'],
        [3, 'required', 'cio_relationships.0.identifiers'],
        [4, 'invalid', 'type'],
      ]);
      expect(emu.operations.map((o) => [o.batchIndex, o.operation, o.personId])).to.deep.equal([
        [0, 'addRelationships', 'r1'],
        [1, 'deleteRelationships', 'r1'],
      ]);
    });

    it('answers an invalid v2 device, merge or anonymous event on /entity with 400', async () => {
      const track = trackClient(emu);
      await expect400(track.entity({ type: 'person', identifiers: { id: 'u' }, action: 'add_device', device: { token: 't' } }), /device.platform is required/);
      await expect400(track.entity({ type: 'person', action: 'merge', primary: { id: 'u' } }), /secondary is required/);
      await expect400(track.entity({ type: 'person', identifiers: { anonymous_id: '' }, action: 'event', name: 'e' }), /anonymous_id is required/);
      expect(emu.operations).to.have.length(0);
    });
  });

  describe('v1 devices', () => {
    it('requires a platform, as Customer.io\'s device object does', async () => {
      const res = await rawRequest(emu, 'PUT', '/api/v1/customers/u1/devices', '{"device":{"id":"tok"}}');
      expect(res.status).to.equal(400);
      expect(JSON.stringify(res.json)).to.match(/device.platform is required/);
      expect(emu.devices.size).to.equal(0);
    });
  });

  describe('ULID de-duplication', () => {
    it('acknowledges a repeated event id with 200 but delivers it once, across v1 and v2', async () => {
      const track = trackClient(emu);
      const id = ulid();
      await track.track('u1', { name: 'paid', id });
      await track.track('u1', { name: 'paid', id });
      await track.trackAnonymous('a1', { name: 'paid', id: id.toLowerCase() });
      const res = await track.batch([{ type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'paid', id }]);
      await track.track('u1', { name: 'paid', id: ulid() });
      await track.track('u1', { name: 'no-id' });
      await track.track('u1', { name: 'no-id' });

      expect(res).to.deep.equal({});
      expect(emu.requests.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200, 200, 200]);
      expect(emu.events.map((e) => e.name)).to.deep.equal(['paid', 'paid', 'no-id', 'no-id']);
      expect(emu.duplicates).to.equal(3);
      expect(emu.operations.map((o) => o.duplicate)).to.deep.equal([false, true, true, true, false, false, false]);
    });

    it('de-duplicates within one batch', async () => {
      const id = ulid();
      const op = { type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'x', id };
      await trackClient(emu).batch([op, op]);
      expect(emu.events).to.have.length(1);
      expect(emu.duplicates).to.equal(1);
    });
  });

  describe('identify ordering', () => {
    it('keeps the newer attribute when an older v2 timestamp arrives late', async () => {
      const track = trackClient(emu);
      await track.batch([{ type: 'person', identifiers: { id: 'u1' }, action: 'identify', timestamp: 2000, attributes: { plan: 'pro' } }]);
      await track.batch([
        { type: 'person', identifiers: { id: 'u1' }, action: 'identify', timestamp: 1000, attributes: { plan: 'free', city: 'Oslo' } },
      ]);
      expect(emu.people.get('u1')).to.deep.equal({ plan: 'pro', city: 'Oslo' });
      await track.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', timestamp: 3000, attributes: { plan: 'team' } });
      expect(emu.people.get('u1')).to.deep.equal({ plan: 'team', city: 'Oslo' });
      // Both late writes were accepted (2xx); only the state ignores the stale value.
      expect(emu.operations).to.have.length(3);
    });

    it('treats a v1 identify as written at arrival time, so an older v2 replay does not win', async () => {
      const track = trackClient(emu);
      await track.identify('u1', { plan: 'pro' });
      const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
      await track.entity({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', timestamp: anHourAgo, attributes: { plan: 'old' } });
      expect(emu.people.get('u1')?.['plan']).to.equal('pro');
      await track.identify('u1', { plan: 'latest' });
      expect(emu.people.get('u1')?.['plan']).to.equal('latest');
    });

    it('does not store suppressed people until unsuppressed', async () => {
      const track = trackClient(emu);
      await track.identify('u1', { a: 1 });
      await track.suppress('u1');
      expect(emu.people.has('u1')).to.equal(false);
      await track.identify('u1', { a: 2 });
      expect(emu.people.has('u1')).to.equal(false);
      await track.unsuppress('u1');
      await track.identify('u1', { a: 3 });
      expect(emu.people.get('u1')).to.deep.equal({ a: 3 });
    });
  });
});
