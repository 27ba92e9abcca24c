import { expect } from 'chai';
import { SendEmailRequest, SendPushRequest } from 'customerio-node';
import { CioValidationError } from '../../src/errors/CioError.js';
import { checkSerialisable } from '../../src/validation/checkSerialisable.js';
import { CIO_LIMITS, utf8Bytes } from '../../src/validation/limits.js';
import { validateCall } from '../../src/operations/validateCall.js';

const ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

function expectValid(operation: string, args: readonly unknown[]): void {
  const error = validateCall(operation, args);
  expect(error, error?.message).to.equal(null);
}

function expectInvalid(operation: string, args: readonly unknown[], field: string, message?: RegExp | string): CioValidationError {
  const error = validateCall(operation, args);
  expect(error, `expected ${operation} to be rejected`).to.be.instanceOf(CioValidationError);
  const problem = error as CioValidationError;
  expect(problem.code).to.equal('INVALID_INPUT');
  expect(problem.retryable).to.equal(false);
  expect(problem.field).to.equal(field);
  expect(problem.message.startsWith(`${operation}: `), problem.message).to.equal(true);
  if (typeof message === 'string') expect(problem.message).to.equal(message);
  else if (message !== undefined) expect(problem.message).to.match(message);
  return problem;
}

/** A string of exactly `bytes` UTF-8 bytes, built from 4-byte emoji and ASCII padding. */
function multibyte(bytes: number): string {
  const emoji = '😀'.repeat(Math.floor(bytes / 4));
  const text = emoji + 'a'.repeat(bytes % 4);
  expect(utf8Bytes(text)).to.equal(bytes);
  return text;
}

function attributes(count: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`attr_${i}`, i]));
}

describe('validateCall', () => {
  it('has no rules for an unknown operation', () => {
    expect(validateCall('getAccountRegion', [() => 1])).to.equal(null);
    expect(validateCall('constructor', [])).to.equal(null);
  });

  it('ignores arguments past the operation parameters (the client options object)', () => {
    expectValid('destroy', ['42', { idempotencyKey: 'k', signal: new AbortController().signal }]);
  });

  describe('person identifiers', () => {
    it('accepts a string or a number', () => {
      expectValid('identify', ['user-1']);
      expectValid('identify', [42]);
    });

    it('rejects a missing, empty or blank id', () => {
      expectInvalid('identify', [], 'customerId', 'identify: customerId is required');
      expectInvalid('identify', [''], 'customerId', 'identify: customerId is required');
      expectInvalid('identify', ['   '], 'customerId', 'identify: customerId is blank');
    });

    it('rejects an id that is neither string nor number', () => {
      expectInvalid('identify', [true], 'customerId', /must be a string or a finite number, got a boolean/);
      expectInvalid('identify', [{ id: 1 }], 'customerId', /got an object/);
    });

    it('accepts exactly 150 bytes and rejects 151', () => {
      expectValid('identify', ['x'.repeat(150)]);
      expectInvalid(
        'identify',
        ['x'.repeat(151)],
        'customerId',
        'identify: customerId is 151 bytes; Customer.io allows at most 150',
      );
    });

    it('counts UTF-8 bytes, not characters', () => {
      expectValid('identify', [multibyte(150)]);
      const tooLong = multibyte(151);
      expect(tooLong.length).to.be.lessThan(150);
      expectInvalid('identify', [tooLong], 'customerId', /is 151 bytes/);
    });

    for (const operation of ['destroy', 'suppress', 'unsuppress']) {
      it(`${operation} requires a customerId of at most 150 bytes`, () => {
        expectValid(operation, ['user-1']);
        expectInvalid(operation, [''], 'customerId', `${operation}: customerId is required`);
        expectInvalid(operation, ['x'.repeat(151)], 'customerId', /151 bytes/);
      });
    }
  });

  describe('identify attributes', () => {
    it('accepts no data, null or an object', () => {
      expectValid('identify', ['1', undefined]);
      expectValid('identify', ['1', null]);
      expectValid('identify', ['1', { email: 'a@example.com', plan: 'pro' }]);
    });

    it('rejects data that is not an object', () => {
      expectInvalid('identify', ['1', ['a']], 'data', 'identify: data must be an object, got an array');
      expectInvalid('identify', ['1', 'plan=pro'], 'data', /got a string/);
      expectInvalid('identify', ['1', new Date(0)], 'data', /got a Date/);
    });

    it('accepts 300 attributes and rejects 301', () => {
      expectValid('identify', ['1', attributes(300)]);
      expectInvalid(
        'identify',
        ['1', attributes(301)],
        'data',
        'identify: data has 301 attributes; Customer.io allows at most 300 per call',
      );
    });

    it('does not count attributes whose value is undefined (JSON drops them)', () => {
      expectValid('identify', ['1', { ...attributes(300), dropped: undefined }]);
    });

    it('does not count cio_relationships as an attribute or limit its size', () => {
      const relationships = Array.from({ length: 100 }, (_, i) => ({ identifiers: { object_type_id: '1', object_id: `acct-${i}` } }));
      expect(JSON.stringify(relationships).length).to.be.greaterThan(CIO_LIMITS.attributeValueBytes);
      expectValid('identify', ['1', { ...attributes(300), cio_relationships: relationships }]);
    });

    it('accepts an attribute name of exactly 150 bytes and rejects 151', () => {
      expectValid('identify', ['1', { [multibyte(150)]: 1 }]);
      const name = multibyte(151);
      const error = expectInvalid('identify', ['1', { [name]: 1 }], `data[${JSON.stringify(name)}]`);
      expect(error.message).to.match(/attribute name ".+" is 151 bytes; Customer.io allows at most 150$/);
    });

    it('quotes at most 40 characters of an over-long attribute name', () => {
      const name = 'n'.repeat(151);
      const error = expectInvalid('identify', ['1', { [name]: 1 }], `data.${name}`);
      expect(error.message).to.equal(`identify: attribute name "${'n'.repeat(40)}…" is 151 bytes; Customer.io allows at most 150`);
    });

    it('accepts a string value of exactly 1000 bytes and rejects 1001', () => {
      expectValid('identify', ['1', { bio: 'x'.repeat(1000) }]);
      expectInvalid(
        'identify',
        ['1', { bio: 'x'.repeat(1001) }],
        'data.bio',
        'identify: the value of attribute data.bio is 1001 bytes; Customer.io allows at most 1000',
      );
    });

    it('measures string values in UTF-8 bytes', () => {
      expectValid('identify', ['1', { bio: 'ü'.repeat(500) }]);
      expectInvalid('identify', ['1', { bio: `${'ü'.repeat(500)}a` }], 'data.bio', /1001 bytes/);
    });

    it('measures other values by their JSON length', () => {
      // ["xxx…"] is the string plus 4 bytes of JSON punctuation.
      expectValid('identify', ['1', { tags: ['x'.repeat(996)] }]);
      expectInvalid('identify', ['1', { tags: ['x'.repeat(997)] }], 'data.tags', /1001 bytes/);
    });
  });

  describe('track events', () => {
    it('accepts a named event with data, a ULID id, timestamp and type', () => {
      expectValid('track', ['1', { name: 'purchase', data: { total: 12 }, id: ULID, timestamp: 1_700_000_000, type: 'event' }]);
    });

    it('rejects an event that is not an object', () => {
      expectInvalid('track', ['1'], 'data', 'track: data must be an event object with a name, got undefined');
      expectInvalid('track', ['1', 'purchase'], 'data', /got a string/);
    });

    it('requires a non-blank string name', () => {
      expectInvalid('track', ['1', {}], 'data.name', 'track: data.name is required');
      expectInvalid('track', ['1', { name: ' ' }], 'data.name', 'track: data.name is blank');
      expectInvalid('track', ['1', { name: 7 }], 'data.name', /must be a string, got a number/);
    });

    it('accepts an event name of exactly 100 bytes and rejects 101', () => {
      expectValid('track', ['1', { name: 'e'.repeat(100) }]);
      expectInvalid(
        'track',
        ['1', { name: 'e'.repeat(117) }],
        'data.name',
        'track: event name is 117 bytes; Customer.io allows at most 100',
      );
      expectInvalid('track', ['1', { name: 'e'.repeat(101) }], 'data.name', /101 bytes/);
    });

    it('counts multibyte characters in event names', () => {
      expectValid('track', ['1', { name: `${'€'.repeat(33)}a` }]); // 99 + 1 bytes
      expectInvalid('track', ['1', { name: '€'.repeat(34) }], 'data.name', /102 bytes/);
    });

    it('accepts event data of exactly 100 000 bytes serialised and rejects 100 001', () => {
      // {"k":"…"} adds 8 bytes to the string.
      expectValid('track', ['1', { name: 'big', data: { k: 'x'.repeat(99_992) } }]);
      expectInvalid(
        'track',
        ['1', { name: 'big', data: { k: 'x'.repeat(99_993) } }],
        'data.data',
        'track: event data is 100001 bytes serialised; Customer.io allows at most 100000',
      );
    });

    it('counts event data in UTF-8 bytes', () => {
      expectInvalid('track', ['1', { name: 'big', data: { k: 'é'.repeat(50_000) } }], 'data.data', /100008 bytes/);
    });

    it('rejects event data that is not an object', () => {
      expectValid('track', ['1', { name: 'x', data: null }]);
      expectInvalid('track', ['1', { name: 'x', data: [1, 2] }], 'data.data', 'track: data.data must be an object, got an array');
    });

    it('requires an id, when given, to be a ULID', () => {
      expectValid('track', ['1', { name: 'x', id: ULID.toLowerCase() }]);
      expectValid('track', ['1', { name: 'x', id: '7ZZZZZZZZZZZZZZZZZZZZZZZZZ' }]);
      for (const id of [ULID.slice(1), `${ULID}0`, '8ZZZZZZZZZZZZZZZZZZZZZZZZZ', '01ARZ3NDEKTSV4RRFFQ69G5FAU', 12345, 'order-17']) {
        expectInvalid('track', ['1', { name: 'x', id }], 'data.id', /data\.id must be a ULID/);
      }
    });

    it('requires timestamp to be a number and type a string', () => {
      expectInvalid('track', ['1', { name: 'x', timestamp: '2024-01-01' }], 'data.timestamp', /Unix time in seconds \(a number\), got a string/);
      expectInvalid('track', ['1', { name: 'x', type: 3 }], 'data.type', /must be a string, got a number/);
    });
  });

  describe('trackAnonymous', () => {
    it("accepts an anonymous id, '' or none (an invite event)", () => {
      expectValid('trackAnonymous', ['anon-1', { name: 'visit' }]);
      expectValid('trackAnonymous', ['', { name: 'invite', data: { recipient: 'a@example.com' } }]);
      expectValid('trackAnonymous', [undefined, { name: 'visit' }]);
    });

    it('limits the anonymous id like a person id', () => {
      expectValid('trackAnonymous', ['a'.repeat(150), { name: 'visit' }]);
      expectInvalid('trackAnonymous', ['a'.repeat(151), { name: 'visit' }], 'anonymousId', /151 bytes/);
      expectInvalid('trackAnonymous', [' ', { name: 'visit' }], 'anonymousId', /blank/);
    });

    it('applies the event rules', () => {
      expectInvalid('trackAnonymous', ['anon', { name: 'e'.repeat(101) }], 'data.name', /101 bytes/);
      expectInvalid('trackAnonymous', ['anon', { name: 'x', id: 'nope' }], 'data.id', /ULID/);
    });
  });

  describe('trackPageView', () => {
    it('requires a non-blank string path', () => {
      expectValid('trackPageView', ['1', 'https://example.com/pricing']);
      expectInvalid('trackPageView', ['1'], 'path', 'trackPageView: path is required');
      expectInvalid('trackPageView', ['1', ''], 'path', /path is required/);
      expectInvalid('trackPageView', ['1', ' \t'], 'path', /path is blank/);
      expectInvalid('trackPageView', ['1', 404], 'path', /must be a string, got a number/);
    });

    it('accepts a path of exactly 100 bytes and rejects 101 (it is sent as the event name)', () => {
      expectValid('trackPageView', ['1', multibyte(100)]);
      expectInvalid(
        'trackPageView',
        ['1', multibyte(101)],
        'path',
        'trackPageView: page path is 101 bytes; Customer.io allows at most 100 (a page view is sent as an event of that name)',
      );
    });

    it('checks the customer id', () => {
      expectInvalid('trackPageView', ['', '/'], 'customerId');
    });
  });

  describe('devices', () => {
    it('addDevice accepts any non-blank platform and optional attributes', () => {
      expectValid('addDevice', ['1', 'token-abc', 'ios']);
      expectValid('addDevice', ['1', 'token-abc', 'android', { last_used: 1_700_000_000, app_version: '2.1' }]);
      expectValid('addDevice', ['1', 'token-abc', 'web']);
    });

    it('addDevice requires a device id and a platform', () => {
      expectInvalid('addDevice', ['1', '', 'ios'], 'deviceId', 'addDevice: deviceId is required');
      expectInvalid('addDevice', ['1', 42, 'ios'], 'deviceId', /must be a string, got a number/);
      expectInvalid('addDevice', ['1', 'token', ' '], 'platform', 'addDevice: platform is blank');
      expectInvalid('addDevice', ['', 'token', 'ios'], 'customerId');
    });

    it('addDevice applies the attribute rules to device data', () => {
      expectValid('addDevice', ['1', 'token', 'ios', { model: 'x'.repeat(1000) }]);
      expectInvalid('addDevice', ['1', 'token', 'ios', { model: 'x'.repeat(1001) }], 'data.model', /1001 bytes/);
      expectInvalid('addDevice', ['1', 'token', 'ios', attributes(301)], 'data', /301 attributes/);
      expectInvalid('addDevice', ['1', 'token', 'ios', 'ios'], 'data', /must be an object/);
    });

    it('deleteDevice requires a device token (string or number)', () => {
      expectValid('deleteDevice', ['1', 'token']);
      expectValid('deleteDevice', ['1', 12345]);
      expectInvalid('deleteDevice', ['1', ''], 'deviceToken', 'deleteDevice: deviceToken is required');
      expectInvalid('deleteDevice', ['1', {}], 'deviceToken', /got an object/);
    });
  });

  describe('mergeCustomers', () => {
    it('accepts id, email and cio_id identifier types', () => {
      expectValid('mergeCustomers', ['id', '1', 'email', 'a@example.com']);
      expectValid('mergeCustomers', ['cio_id', 'a1b2', 'id', 7]);
    });

    it('rejects another identifier type', () => {
      expectInvalid(
        'mergeCustomers',
        ['phone', '1', 'id', '2'],
        'primaryIdType',
        "mergeCustomers: primaryIdType must be one of 'id', 'email' or 'cio_id', got another string",
      );
      expectInvalid('mergeCustomers', ['id', '1', undefined, '2'], 'secondaryIdType', /got undefined/);
    });

    it('requires both ids, at most 150 bytes', () => {
      expectInvalid('mergeCustomers', ['id', '', 'id', '2'], 'primaryId', /primaryId is required/);
      expectValid('mergeCustomers', ['id', '1', 'id', 'x'.repeat(150)]);
      expectInvalid('mergeCustomers', ['id', '1', 'id', 'x'.repeat(151)], 'secondaryId', /151 bytes/);
    });
  });

  describe('sendEmail', () => {
    const template = { to: 'a@example.com', identifiers: { id: '1' }, transactional_message_id: 'welcome' };

    it("accepts the SDK's SendEmailRequest and a plain options object", () => {
      expectValid('sendEmail', [new SendEmailRequest(template)]);
      expectValid('sendEmail', [template]);
      expectValid('sendEmail', [{ ...template, transactional_message_id: 12 }]);
    });

    it('accepts inline content with body, subject and from', () => {
      const inline = { to: 'a@example.com', identifiers: { email: 'a@example.com' }, body: '<p>Hi</p>', subject: 'Hi', from: 'us@example.com' };
      expectValid('sendEmail', [new SendEmailRequest(inline)]);
    });

    it('requires a transactional_message_id or all of body, subject and from', () => {
      const { transactional_message_id: _unused, ...noContent } = template;
      expectInvalid(
        'sendEmail',
        [noContent],
        'request',
        'sendEmail: request needs a transactional_message_id, or a body, subject and from (body is missing)',
      );
      expectInvalid('sendEmail', [{ ...noContent, body: 'b', subject: 's' }], 'request', /from is missing/);
      expectInvalid('sendEmail', [{ ...noContent, body: 'b', subject: ' ', from: 'f' }], 'request.subject', /subject is blank/);
      expectInvalid('sendEmail', [{ ...template, transactional_message_id: '' }], 'request.transactional_message_id', /is required/);
    });

    it('names the message path of a SendEmailRequest', () => {
      const request = new SendEmailRequest({ ...template, identifiers: { id: '' } });
      expectInvalid('sendEmail', [request], 'request.message.identifiers.id', /identifiers\.id is required/);
    });

    it('requires exactly one of id, email or cio_id in identifiers', () => {
      expectValid('sendEmail', [{ ...template, identifiers: { cio_id: 'abc' } }]);
      expectInvalid('sendEmail', [{ ...template, identifiers: {} }], 'request.identifiers', /exactly one of id, email or cio_id; found none/);
      expectInvalid(
        'sendEmail',
        [{ ...template, identifiers: { id: '1', email: 'a@example.com' } }],
        'request.identifiers',
        /found id and email/,
      );
      expectInvalid('sendEmail', [{ ...template, identifiers: undefined }], 'request.identifiers', /got undefined/);
      expectInvalid('sendEmail', [{ ...template, identifiers: { id: 'x'.repeat(151) } }], 'request.identifiers.id', /151 bytes/);
    });

    it('requires to unless identifiers has an email', () => {
      const { to: _unused, ...noTo } = template;
      expectValid('sendEmail', [{ ...noTo, identifiers: { email: 'a@example.com' } }]);
      expectInvalid('sendEmail', [noTo], 'request.to', 'sendEmail: request.to is required unless identifiers has an email');
      expectInvalid('sendEmail', [{ ...template, to: '' }], 'request.to', /request\.to is required/);
    });

    it('rejects a request that is not an object', () => {
      expectInvalid('sendEmail', [undefined], 'request', /must be a SendEmailRequest or its options object, got undefined/);
    });
  });

  describe('sendPush', () => {
    it("accepts the SDK's SendPushRequest and options whose message is the push text", () => {
      expectValid('sendPush', [new SendPushRequest({ identifiers: { id: '1' }, transactional_message_id: 3 })]);
      expectValid('sendPush', [{ identifiers: { id: '1' }, transactional_message_id: 3, title: 'Hi', message: 'Your order shipped' }]);
    });

    it('requires a transactional_message_id and identifiers', () => {
      expectInvalid('sendPush', [{ identifiers: { id: '1' } }], 'request.transactional_message_id', /is required/);
      expectInvalid(
        'sendPush',
        [new SendPushRequest({ identifiers: {} as never, transactional_message_id: 3 })],
        'request.message.identifiers',
        /found none/,
      );
    });
  });

  describe('triggerBroadcast', () => {
    it('accepts an id with optional data and recipients', () => {
      expectValid('triggerBroadcast', [7]);
      expectValid('triggerBroadcast', ['7', undefined, { emails: ['a@example.com'] }]);
      expectValid('triggerBroadcast', [7, { headline: 'Sale' }, { segment: { id: 3 } }]);
    });

    it('requires a broadcast id and object data and recipients', () => {
      expectInvalid('triggerBroadcast', [''], 'broadcastId', 'triggerBroadcast: broadcastId is required');
      expectInvalid('triggerBroadcast', [7, ['x']], 'data', /data must be an object, got an array/);
      expectInvalid('triggerBroadcast', [7, {}, 'everyone'], 'recipients', /got a string/);
    });
  });

  describe('JSON serialisability', () => {
    it('accepts Dates, undefined properties and array items, and shared references', () => {
      const shared = { a: 1 };
      expectValid('track', ['1', { name: 'x', data: { at: new Date(0), gone: undefined, list: [1, undefined, 3], left: shared, right: shared } }]);
    });

    it('rejects a cycle, naming the field that closes it', () => {
      const data: Record<string, unknown> = { inner: {} };
      (data['inner'] as Record<string, unknown>)['parent'] = data;
      expectInvalid('track', ['1', { name: 'x', data }], 'data.data.inner.parent', /data\.data\.inner\.parent refers back to an object that contains it \(a cycle\)/);
    });

    it('rejects a BigInt', () => {
      expectInvalid('identify', ['1', { balance: 10n }], 'data.balance', /data\.balance is a BigInt/);
    });

    it('rejects a function, with the array index in the path', () => {
      const items = [{}, {}, { fn: () => 1 }];
      expectInvalid('track', ['1', { name: 'x', data: { items } }], 'data.data.items[2].fn', 'track: data.data.items[2].fn is a function, which JSON cannot serialise');
    });

    it('rejects a function inside an array and a symbol value', () => {
      expectInvalid('identify', ['1', { list: [1, () => 2] }], 'data.list[1]', /is a function/);
      expectInvalid('identify', ['1', { tag: Symbol('t') }], 'data.tag', /is a symbol/);
    });

    it('rejects NaN and Infinity', () => {
      expectInvalid('identify', ['1', { score: Number.NaN }], 'data.score', /data\.score is not a finite number/);
      expectInvalid('track', ['1', { name: 'x', data: { n: [Number.POSITIVE_INFINITY] } }], 'data.data.n[0]', /not a finite number/);
      expectInvalid('identify', [Number.NaN], 'customerId', /not a finite number/);
    });

    it('rejects an invalid Date, a Map and a Set', () => {
      expectInvalid('identify', ['1', { at: new Date('nope') }], 'data.at', /invalid Date/);
      expectInvalid('identify', ['1', { m: new Map([[1, 2]]) }], 'data.m', /is a Map, which JSON serialises as \{\}/);
      expectInvalid('identify', ['1', { s: new Set([1]) }], 'data.s', /is a Set/);
    });

    it('follows toJSON and reports one that throws', () => {
      expectValid('identify', ['1', { money: { toJSON: () => '12.50' } }]);
      expectInvalid('identify', ['1', { money: { toJSON: () => ({ raw: 1n }) } }], 'data.money.raw', /is a BigInt/);
      expectInvalid('identify', ['1', { money: { toJSON: () => { throw new Error('x'); } } }], 'data.money', /its toJSON\(\) threw/);
    });

    it('reports a getter that throws', () => {
      const data = Object.defineProperty({}, 'broken', { enumerable: true, get: () => { throw new Error('x'); } });
      expectInvalid('identify', ['1', data], 'data.broken', /its getter threw/);
    });

    it('quotes names that are not identifiers in the path', () => {
      expectInvalid('identify', ['1', { 'first name': () => 1 }], 'data["first name"]', /is a function/);
    });

    it('rejects absurdly deep nesting instead of overflowing the stack', () => {
      let deep: Record<string, unknown> = {};
      for (let i = 0; i < 300; i++) deep = { d: deep };
      // `data` is level 0, `data.deep` level 1: the object at level 256 is the first one refused.
      expectInvalid('identify', ['1', { deep }], `data.deep${'.d'.repeat(255)}`, /is nested more than 256 levels deep/);
    });

    it('checks serialisability before the rules, on every parameter', () => {
      expectInvalid('sendEmail', [new SendEmailRequest({ to: 'a@example.com', identifiers: { id: '1' }, transactional_message_id: 1, message_data: { fn: () => 1 } } as never)], 'request.message.message_data.fn', /is a function/);
      expectInvalid('triggerBroadcast', [7, undefined, { ids: [1n] }], 'recipients.ids[0]', /BigInt/);
      expectInvalid('mergeCustomers', ['id', 1n, 'id', '2'], 'primaryId', /BigInt/);
    });

    it('checkSerialisable works on its own', () => {
      expect(checkSerialisable({ ok: [1, 'a', null, true] }, 'payload')).to.equal(null);
      const error = checkSerialisable({ bad: 1n }, 'payload');
      expect(error?.field).to.equal('payload.bad');
      expect(error?.message).to.match(/payload\.bad is a BigInt/);
    });
  });

  describe('privacy', () => {
    const SECRET = 'sk_live_Zq8TOPSECRETvalue';

    it('never puts an argument value in a message or field', () => {
      const cycle: Record<string, unknown> = { token: SECRET };
      cycle['self'] = cycle;
      const violations: Array<[string, unknown[]]> = [
        ['identify', [SECRET.repeat(10)]],
        ['identify', [SECRET, { password: SECRET.repeat(50) }]],
        ['identify', [SECRET, { list: [SECRET.repeat(50)] }]],
        ['identify', [SECRET, { fn: () => SECRET, other: SECRET }]],
        ['identify', [SECRET, { score: Number.NaN, token: SECRET }]],
        ['identify', [SECRET, cycle]],
        ['identify', [SECRET, SECRET]],
        ['track', [SECRET, { name: SECRET.repeat(5) }]],
        ['track', [SECRET, { name: 'x', id: SECRET }]],
        ['track', [SECRET, { name: 'x', timestamp: SECRET }]],
        ['track', [SECRET, { name: 'x', data: { token: SECRET.repeat(5000) } }]],
        ['trackAnonymous', [SECRET.repeat(10), { name: 'x' }]],
        ['trackPageView', [SECRET, `https://example.com/?token=${SECRET.repeat(50)}`]],
        ['addDevice', [SECRET, SECRET, 'ios', { token: SECRET.repeat(50) }]],
        ['deleteDevice', [SECRET, { token: SECRET }]],
        ['mergeCustomers', [SECRET, SECRET, 'id', SECRET]],
        ['mergeCustomers', ['id', SECRET, 'email', SECRET.repeat(10)]],
        ['sendEmail', [{ to: SECRET, identifiers: { email: SECRET, id: SECRET }, transactional_message_id: 1 }]],
        ['sendEmail', [{ to: SECRET, identifiers: { email: SECRET.repeat(10) }, transactional_message_id: 1 }]],
        ['sendEmail', [{ to: SECRET, identifiers: { email: SECRET }, body: SECRET, subject: SECRET }]],
        ['sendPush', [{ identifiers: { id: SECRET }, message: SECRET }]],
        ['triggerBroadcast', [SECRET.repeat(10), SECRET]],
      ];
      for (const [operation, args] of violations) {
        const error = validateCall(operation, args);
        expect(error, `${operation} should be rejected`).to.be.instanceOf(CioValidationError);
        const shown = `${error?.message} ${error?.field} ${JSON.stringify(error)} ${String(error)}`;
        expect(shown, `${operation}: ${error?.message}`).not.to.include(SECRET);
        expect(shown).not.to.include('TOPSECRET');
      }
    });
  });
});
