import { expect } from 'chai';
import { OPERATIONS, specOf } from '../../src/operations/table.js';
import { validateCall } from '../../src/operations/validateCall.js';
import type { OperationSpec } from '../../src/operations/spec.js';

const MADE_AT = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const SECONDS = Math.floor(MADE_AT / 1000);
const ULID = '01JABCDEFGHJKMNPQRSTVWXYZ0';
const OTHER_ULID = '01JZZZZZZZZZZZZZZZZZZZZZZZ';

const spec = (name: string): OperationSpec => specOf(name)!;
/** The field a call is rejected on, or `null` when it is valid. */
const fieldOf = (operation: string, args: unknown[]): string | null => validateCall(operation, args)?.field ?? null;

describe('operations: the other Track writes in the table', () => {
  it('says how each is treated: repeatable, ordered, API, batch form', () => {
    const facts = (name: string) => {
      const s = spec(name);
      return [s.api, s.repeatable, s.ordered, s.batch !== undefined, s.withEventId !== undefined];
    };
    expect({
      trackPush: facts('trackPush'),
      reportMetric: facts('reportMetric'),
      submitForm: facts('submitForm'),
      unsubscribe: facts('unsubscribe'),
      addCustomersToSegment: facts('addCustomersToSegment'),
      removeCustomersFromSegment: facts('removeCustomersFromSegment'),
      entity: facts('entity'),
    }).to.deep.equal({
      trackPush: ['track', true, false, false, false],
      reportMetric: ['track', true, false, false, false],
      submitForm: ['track', false, true, false, false],
      unsubscribe: ['track', true, false, false, false],
      addCustomersToSegment: ['track', true, true, false, false],
      removeCustomersFromSegment: ['track', true, true, false, false],
      entity: ['track', true, true, true, true],
    });
    // 17 Track writes, 7 App sends and 6 Data Pipelines messages.
    expect(Object.keys(OPERATIONS)).to.have.length(30);
  });

  describe('order keys', () => {
    it('metrics and unsubscribes keep no order; a form orders by its id or email; a segment by segment:<id>', () => {
      expect(spec('trackPush').personKey([{ delivery_id: 'd1', event: 'opened' }])).to.equal('');
      expect(spec('reportMetric').personKey([{ delivery_id: 'd1', metric: 'opened' }])).to.equal('');
      expect(spec('unsubscribe').personKey(['d1', false])).to.equal('');
      expect(spec('submitForm').personKey(['f', { id: 'u1', plan: 'x' }])).to.equal('u1');
      expect(spec('submitForm').personKey(['f', { id: 42 }])).to.equal('42');
      expect(spec('submitForm').personKey(['f', { email: 'a@example.com' }])).to.equal('a@example.com');
      // An add and a remove of one segment share a key, whether its id is a number or a string.
      expect(spec('addCustomersToSegment').personKey([7, ['u1']])).to.equal('segment:7');
      expect(spec('removeCustomersFromSegment').personKey(['7', ['u1'], 'id'])).to.equal('segment:7');
    });

    it('an entity operation orders by its person as the v1 routes spell them, or by object:<type>:<id>', () => {
      const key = spec('entity').personKey;
      expect(key([{ type: 'person', action: 'identify', identifiers: { id: 'u1' } }])).to.equal('u1');
      expect(key([{ type: 'person', action: 'identify', identifiers: { id: 42 } }])).to.equal('42');
      expect(key([{ type: 'person', action: 'delete', identifiers: { email: 'a@example.com' } }])).to.equal('a@example.com');
      expect(key([{ type: 'person', action: 'suppress', identifiers: { cio_id: 'abc' } }])).to.equal('cio_abc');
      expect(key([{ type: 'person', action: 'event', name: 'a', identifiers: { anonymous_id: 'v1' } }])).to.equal('anon:v1');
      expect(key([{ type: 'object', action: 'identify', identifiers: { object_type_id: '1', object_id: 'acme' } }])).to.equal('object:1:acme');
      expect(key([{ type: 'object', action: 'delete', identifiers: { object_type_id: 2, object_id: 9 } }])).to.equal('object:2:9');
      expect(key([{ type: 'object', action: 'delete', identifiers: { cio_object_id: 'ob1' } }])).to.equal('object:cio_object_id:ob1');
      // The same person's v1 calls share the key.
      expect(spec('identify').personKey(['u1', {}])).to.equal('u1');
      expect(spec('identify').personKey(['cio_abc', {}])).to.equal('cio_abc');
      expect(spec('trackAnonymous').personKey(['v1', { name: 'a' }])).to.equal('anon:v1');
    });
  });

  describe('stored forms (JSON data, replayed as they are)', () => {
    it('a metric keeps the time it was made, unless it has one', () => {
      expect(spec('trackPush').stored([{ delivery_id: 'd1', event: 'opened' }], MADE_AT)).to.deep.equal([{ delivery_id: 'd1', event: 'opened', timestamp: SECONDS }]);
      expect(spec('reportMetric').stored([{ delivery_id: 'd1', metric: 'clicked', timestamp: 5 }], MADE_AT)).to.deep.equal([{ delivery_id: 'd1', metric: 'clicked', timestamp: 5 }]);
    });

    it('forms, unsubscribes and segment calls are their arguments, without trailing undefined', () => {
      expect(spec('submitForm').stored(['f', { id: 'u1' }], MADE_AT)).to.deep.equal(['f', { id: 'u1' }]);
      expect(spec('unsubscribe').stored(['d1', undefined], MADE_AT)).to.deep.equal(['d1']);
      expect(spec('unsubscribe').stored(['d1', false], MADE_AT)).to.deep.equal(['d1', false]);
      expect(spec('addCustomersToSegment').stored([7, ['u1'], undefined], MADE_AT)).to.deep.equal([7, ['u1']]);
      expect(spec('removeCustomersFromSegment').stored([7, ['a@example.com'], 'email'], MADE_AT)).to.deep.equal([7, ['a@example.com'], 'email']);
    });

    it('an entity event or person identify gets a timestamp of when it was made; other operations are kept as they are', () => {
      const stored = spec('entity').stored;
      const event = { type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'a', id: ULID };
      expect(stored([event], MADE_AT)).to.deep.equal([{ ...event, timestamp: SECONDS }]);
      const identify = { type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: { a: 1 } };
      expect(stored([identify], MADE_AT)).to.deep.equal([{ ...identify, timestamp: SECONDS }]);
      expect(stored([{ ...identify, timestamp: 7 }], MADE_AT)).to.deep.equal([{ ...identify, timestamp: 7 }]);
      const object = { type: 'object', identifiers: { object_type_id: '1', object_id: 'a' }, action: 'identify' };
      expect(stored([object], MADE_AT)).to.deep.equal([object]);
      const device = { type: 'person', identifiers: { id: 'u1' }, action: 'delete_device', device: { token: 't' } };
      expect(stored([device], MADE_AT)).to.deep.equal([device]);
    });
  });

  describe('entity event ids and batch form', () => {
    const withId = spec('entity').withEventId!;
    const eventIdIn = spec('entity').eventIdIn!;

    it('gives an event, page or screen a ULID id unless it has one, on a copy', () => {
      for (const action of ['event', 'page', 'screen']) {
        const op = { type: 'person', identifiers: { id: 'u1' }, action, name: 'a' };
        const out = withId([op], ULID);
        expect(out).to.deep.equal({ args: [{ ...op, id: ULID }], id: ULID });
        expect(op).to.not.have.property('id');
        expect(eventIdIn(out.args)).to.equal(ULID);
      }
      const own = { type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'a', id: OTHER_ULID };
      expect(withId([own], ULID)).to.deep.equal({ args: [own], id: OTHER_ULID });
    });

    it('gives any other operation no id', () => {
      const op = { type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: {} };
      expect(withId([op], ULID)).to.deep.equal({ args: [op], id: '' });
      expect(eventIdIn([op])).to.equal(undefined);
      const object = { type: 'object', identifiers: { object_type_id: '1', object_id: 'a' }, action: 'identify', name: 'not an event' };
      expect(withId([object], ULID).id).to.equal('');
    });

    it('rides in a v2 batch as itself, whenever it was made; the other writes never ride in one', () => {
      const op = { type: 'object', identifiers: { object_type_id: '1', object_id: 'a' }, action: 'delete' };
      expect(spec('entity').batch!([op], undefined)).to.equal(op);
      expect(spec('entity').batch!([op], MADE_AT)).to.equal(op);
      for (const name of ['trackPush', 'reportMetric', 'submitForm', 'unsubscribe', 'addCustomersToSegment', 'removeCustomersFromSegment']) {
        expect(spec(name).batch, name).to.equal(undefined);
      }
    });
  });

  describe('validation', () => {
    it('accepts what Customer.io takes', () => {
      const valid: Array<[string, unknown[]]> = [
        ['trackPush', [{ delivery_id: 'd1', event: 'opened' }]],
        ['trackPush', [{ delivery_id: 'd1', event: 'delivered', device_id: 'tok', timestamp: 1_700_000_000 }]],
        ['trackPush', [{ delivery_id: 'd1', event: 'converted', timestamp: null, extra: 1 }]],
        ['reportMetric', [{ delivery_id: 'd1', metric: 'spammed' }]],
        ['reportMetric', [{ delivery_id: 'd1', metric: 'bounced', reason: 'r', recipient: 15551234567, href: 'h' }]],
        ['submitForm', ['f', { email: 'a@example.com', name: 'Ada', form_name: 3 }]],
        ['submitForm', [7, { id: 42 }]],
        ['unsubscribe', ['d1']],
        ['unsubscribe', [12345, false]],
        ['addCustomersToSegment', [7, ['u1', 2]]],
        ['addCustomersToSegment', ['7', ['u1'], 'cio_id']],
        ['removeCustomersFromSegment', [7, ['u1'], null]],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'identify' }]],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: { a: 1 }, cio_relationships: [{ identifiers: { object_type_id: '1', object_id: 'a' } }], timestamp: 5 }]],
        ['entity', [{ type: 'person', identifiers: { cio_id: 'abc' }, action: 'screen', name: 'Home', id: ULID, attributes: { a: 1 } }]],
        ['entity', [{ type: 'person', identifiers: { anonymous_id: 'v1' }, action: 'event', name: 'a' }]],
        ['entity', [{ type: 'person', identifiers: { email: 'a@example.com' }, action: 'add_device', device: { token: 't', platform: 'android', last_used: 5, attributes: { v: '1' } } }]],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'delete_device', device: { token: 't' } }]],
        ['entity', [{ type: 'person', identifiers: { id: 'u1', phone: null }, action: 'unsuppress' }]],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'delete_relationships', cio_relationships: [{ identifiers: { cio_object_id: 'ob1' } }] }]],
        ['entity', [{ type: 'object', identifiers: { cio_object_id: 'ob1' }, action: 'delete' }]],
        ['entity', [{ type: 'object', identifiers: { object_type_id: 1, object_id: 2 }, action: 'identify_anonymous', cio_relationships: [{ identifiers: { anonymous_id: 'v1' } }] }]],
        ['entity', [{ type: 'object', identifiers: { object_type_id: '1', object_id: 'a' }, action: 'add_relationships', cio_relationships: [{ identifiers: { email: 'a@example.com' }, relationship_attributes: { r: 1 } }] }]],
      ];
      for (const [operation, args] of valid) expect(fieldOf(operation, args), `${operation}(${JSON.stringify(args)})`).to.equal(null);
    });

    it('rejects the rest naming the field, never quoting a value', () => {
      const secret = 'SECRET-VALUE';
      const invalid: Array<[string, unknown[], string]> = [
        ['trackPush', [undefined], 'data'],
        ['trackPush', [{ delivery_id: '', event: 'opened' }], 'data.delivery_id'],
        ['trackPush', [{ delivery_id: 5, event: 'opened' }], 'data.delivery_id'],
        ['trackPush', [{ delivery_id: 'd1', event: secret }], 'data.event'],
        ['trackPush', [{ delivery_id: 'd1', event: 'opened', timestamp: '5' }], 'data.timestamp'],
        ['reportMetric', [{ delivery_id: 'd1', metric: 'opened', reason: {} }], 'data.reason'],
        ['submitForm', [{}, { id: 'u1' }], 'formId'],
        ['submitForm', ['f', {}], 'data'],
        ['submitForm', ['f', { email: 'a@example.com', [secret]: secret.repeat(100) }], `data["${secret}"]`],
        ['unsubscribe', [undefined], 'deliveryId'],
        ['unsubscribe', ['d1', 1], 'unsubscribe'],
        ['addCustomersToSegment', [7, ['u1', Number.NaN]], 'customerIds[1]'],
        ['addCustomersToSegment', [7, ['u1', null]], 'customerIds[1]'],
        ['addCustomersToSegment', [7, ['u1'], secret], 'idType'],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: secret }], 'operation.action'],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'x'.repeat(101) }], 'operation.name'],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'a', attributes: [] }], 'operation.attributes'],
        ['entity', [{ type: 'person', identifiers: { anonymous_id: 5 }, action: 'event', name: 'a' }], 'operation.identifiers.anonymous_id'],
        ['entity', [{ type: 'person', identifiers: { id: '' }, action: 'delete' }], 'operation.identifiers.id'],
        ['entity', [{ type: 'person', identifiers: 'u1', action: 'delete' }], 'operation.identifiers'],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'delete_device' }], 'operation.device'],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'add_device', device: { token: 't', platform: 'ios', last_used: 'now' } }], 'operation.device.last_used'],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'add_relationships', cio_relationships: [{ identifiers: { object_type_id: 1, object_id: 2 } }] }], 'operation.cio_relationships[0].identifiers'],
        ['entity', [{ type: 'person', identifiers: { id: 'u1' }, action: 'add_relationships', cio_relationships: [{ identifiers: { cio_object_id: 'o' }, relationship_attributes: 5 }] }], 'operation.cio_relationships[0].relationship_attributes'],
        ['entity', [{ type: 'object', identifiers: { object_type_id: '1', object_id: 'a' }, action: 'identify', cio_relationships: 'u1' }], 'operation.cio_relationships'],
        ['entity', [{ type: 'object', identifiers: { object_type_id: '1', object_id: 'a' }, action: 'delete_relationships', cio_relationships: [5] }], 'operation.cio_relationships[0]'],
        ['entity', [{ type: 'object', identifiers: { object_type_id: '1', object_id: '' }, action: 'delete' }], 'operation.identifiers.object_id'],
      ];
      for (const [operation, args, field] of invalid) {
        const error = validateCall(operation, args);
        expect(error?.field, `${operation}(${JSON.stringify(args).slice(0, 200)})`).to.equal(field);
        expect(error?.code).to.equal('INVALID_INPUT');
        expect(error?.message.startsWith(`${operation}: `)).to.equal(true);
        expect(error?.message.replace(`"${secret}"`, '')).to.not.include(secret);
      }
    });

    it('holds an entity operation to 32 KB counting the id and timestamp the client adds', () => {
      const base = { type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'a', attributes: { pad: '' } };
      const bytes = Buffer.byteLength(JSON.stringify(base));
      const room = 32 * 1024 - bytes - 33 - 23; // ,"id":"<ULID>" and ,"timestamp":<10 digits>
      expect(fieldOf('entity', [{ ...base, attributes: { pad: 'x'.repeat(room) } }])).to.equal(null);
      expect(fieldOf('entity', [{ ...base, attributes: { pad: 'x'.repeat(room + 1) } }])).to.equal('operation');
      // With its own id and timestamp, nothing is added.
      const own = { ...base, id: ULID, timestamp: 1_700_000_000 };
      const ownRoom = 32 * 1024 - Buffer.byteLength(JSON.stringify(own));
      expect(fieldOf('entity', [{ ...own, attributes: { pad: 'x'.repeat(ownRoom) } }])).to.equal(null);
      expect(fieldOf('entity', [{ ...own, attributes: { pad: 'x'.repeat(ownRoom + 1) } }])).to.equal('operation');
      // Multi-byte text counts by its UTF-8 bytes.
      const object = { type: 'object', identifiers: { object_type_id: '1', object_id: 'a' }, action: 'identify', attributes: {} as Record<string, string> };
      for (let i = 0; i < 12; i++) object.attributes[`a${i}`] = 'é'.repeat(499);
      for (let i = 12; i < 40; i++) object.attributes[`a${i}`] = 'é'.repeat(500);
      expect(Buffer.byteLength(JSON.stringify(object))).to.be.greaterThan(32 * 1024);
      expect(JSON.stringify(object).length).to.be.lessThan(32 * 1024);
      expect(fieldOf('entity', [object])).to.equal('operation');
    });
  });
});
