import { expect } from 'chai';
import { SendEmailRequest } from 'customerio-node';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioResult } from '../../src/client/types.js';
import { CioValidationError } from '../../src/errors/CioError.js';
import { createRequestScope } from '../../src/http/requestScope.js';
import { CIO_LIMITS } from '../../src/validation/limits.js';
import { validateCall } from '../../src/operations/validateCall.js';
import { harness, type Harness } from '../support/harness.js';
import { HOSTILE_VALUES, revoked, THROWN, throwingGetter, throwingTrap, VALUE } from '../support/hostileValues.js';

const LONE_SURROGATES = ['\ud800', `${VALUE}\udbff`, `\udc00${VALUE}`, `${VALUE}\ud83d`];

/** What a rejection may show: names, paths and sizes, never a value or a thrown text. */
function expectClean(error: { message: string; field?: string | undefined }, where: string): void {
  const shown = `${error.message} ${error.field ?? ''} ${JSON.stringify(error)}`;
  expect(shown, where).not.to.include(THROWN);
  expect(shown, where).not.to.include(VALUE);
}

function expectRejected(operation: string, args: readonly unknown[], field: string | RegExp, message?: RegExp): CioValidationError {
  let error: CioValidationError | null = null;
  expect(() => (error = validateCall(operation, args)), operation).not.to.throw();
  expect(error, `${operation} should be rejected`).to.be.instanceOf(CioValidationError);
  const problem = error as unknown as CioValidationError;
  expect(problem.code).to.equal('INVALID_INPUT');
  if (typeof field === 'string') expect(problem.field, problem.message).to.equal(field);
  else expect(problem.field, problem.message).to.match(field);
  expect(problem.message.startsWith(`${operation}: `), problem.message).to.equal(true);
  if (message !== undefined) expect(problem.message).to.match(message);
  expectClean(problem, `${operation}: ${problem.message}`);
  return problem;
}

function escape(path: string): string {
  return path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The field of a problem at `path` or inside it (a bomb is refused somewhere within). */
function atOrUnder(path: string): RegExp {
  return new RegExp(`^${escape(path)}(?:$|[.[])`);
}

/** Places a hostile value in each kind of position a call has. */
const PLACES: ReadonlyArray<readonly [string, (value: unknown) => readonly unknown[], string]> = [
  ['identify', (v) => ['u1', v], 'data'],
  ['identify', (v) => ['u1', { plan: VALUE, attr: v }], 'data.attr'],
  ['track', (v) => ['u1', { name: 'purchase', data: { items: [{ sku: VALUE }, v] } }], 'data.data.items[1]'],
  ['track', (v) => ['u1', { name: 'purchase', data: v }], 'data.data'],
  ['track', (v) => ['u1', v], 'data'],
  ['trackAnonymous', (v) => [VALUE, { name: 'visit', data: { 'first name': v } }], 'data.data["first name"]'],
  ['trackPageView', (v) => ['u1', v], 'path'],
  ['addDevice', (v) => ['u1', VALUE, 'ios', { app: v }], 'data.app'],
  ['deleteDevice', (v) => ['u1', v], 'deviceToken'],
  ['destroy', (v) => [v], 'customerId'],
  ['mergeCustomers', (v) => ['id', 'u1', 'email', v], 'secondaryId'],
  ['sendEmail', (v) => [{ to: `${VALUE}@example.com`, identifiers: { id: 'u1' }, transactional_message_id: 1, message_data: { v } }], 'request.message_data.v'],
  [
    'sendEmail',
    (v) => [new SendEmailRequest({ to: `${VALUE}@example.com`, identifiers: { id: v } as never, transactional_message_id: 1 })],
    'request.message.identifiers.id',
  ],
  ['sendPush', (v) => [v], 'request'],
  ['triggerBroadcast', (v) => [7, { headline: VALUE }, { ids: [v] }], 'recipients.ids[0]'],
];

describe('validation: hostile input is always refused, never thrown', () => {
  describe('values that cannot be read or serialised, in every position', () => {
    for (const [what, make] of HOSTILE_VALUES) {
      it(`refuses ${what}`, () => {
        for (const [operation, place, path] of PLACES) expectRejected(operation, place(make()), atOrUnder(path));
      });
    }

    it('names the exact path of a getter, toJSON or Proxy that throws, and says what threw', () => {
      expectRejected('identify', ['u1', { a: { b: throwingGetter('c') } }], 'data.a.b.c', /data\.a\.b\.c could not be read: its getter threw$/);
      expectRejected('identify', ['u1', { a: [{ toJSON: () => { throw new Error(THROWN); } }] }], 'data.a[0]', /its toJSON\(\) threw$/);
      expectRejected('identify', ['u1', { a: { toJSON: () => undefined } }], 'data.a', /data\.a has a toJSON\(\) that returned undefined/);
      expectRejected('identify', ['u1', { a: throwingTrap('ownKeys') }], 'data.a', /data\.a is a Proxy/);
      expectRejected('identify', ['u1', revoked()], 'data', /data is a Proxy/);
      expectRejected('identify', ['u1', { a: Object.create(revoked()) as object }], 'data.a', /data\.a inherits from a Proxy/);
      expectRejected('identify', ['u1', { a: Object(1n) }], 'data.a', /data\.a is a boxed BigInt/);
      expectRejected('identify', ['u1', { a: new Number(5) }], 'data.a', /data\.a is a boxed Number/);
      expectRejected('identify', ['u1', { a: new String('x') }], 'data.a', /data\.a is a boxed String/);
      expectRejected('identify', ['u1', { a: new Boolean(false) }], 'data.a', /data\.a is a boxed Boolean/);
      expectRejected('identify', [new String('u1')], 'customerId', /customerId is a boxed String/);
    });

    it('reads an inherited property the way JSON does: not at all', () => {
      // JSON sends no inherited `name`, so the event has none; an inherited getter is never run.
      const inherited = Object.create({ get name(): never { throw new Error(THROWN); } }) as object;
      expectRejected('track', ['u1', inherited], 'data.name', /data\.name is required/);
      class Event {
        get name(): string {
          return 'purchase';
        }
      }
      expectRejected('track', ['u1', new Event()], 'data.name', /data\.name is required/);
    });

    it('refuses, naming the field, a getter or toJSON() that reads fine once and throws the next time', () => {
      const flaky = (value: unknown): (() => unknown) => {
        let reads = 0;
        return () => {
          if (++reads > 1) throw new Error(THROWN);
          return value;
        };
      };
      const data = Object.defineProperty({}, 'plan', { enumerable: true, get: flaky(VALUE) });
      expectRejected('track', ['u1', { name: 'x', data }], 'data.data', /data\.data could not be serialised when read again/);
      expectRejected('identify', ['u1', { money: { toJSON: flaky(12) } }], 'data.money', /could not be serialised when read again/);
      const event = Object.defineProperty({}, 'name', { enumerable: true, get: flaky('purchase') });
      expectRejected('track', ['u1', event], 'data', /data could not be read: a getter or toJSON\(\) threw when read again/);
    });

    it('still accepts plain data, Dates, class instances and toJSON() that returns data', () => {
      class Money {
        constructor(readonly cents: number) {}
        toJSON(): string {
          return (this.cents / 100).toFixed(2);
        }
      }
      const ok = (operation: string, args: unknown[]): void => {
        const error = validateCall(operation, args);
        expect(error, error?.message).to.equal(null);
      };
      ok('identify', ['u1', { at: new Date(0), price: new Money(1250), tags: ['a', 'b'], nested: { deep: [1, null, true] } }]);
      ok('identify', ['u1', Object.assign(Object.create(null) as object, { plan: 'pro' })]);
      ok('track', ['u1', { name: 'upload', data: { bytes: Buffer.from('hi') } }]);
      ok('track', ['u1', { name: 'x', data: { money: { toJSON: () => ({ cents: 1 }) } } }]);
      ok('sendEmail', [new SendEmailRequest({ to: 'a@example.com', identifiers: { id: 'u1' }, transactional_message_id: 1 })]);
      // A getter that reads fine is read like a property.
      ok('identify', ['u1', Object.defineProperty({}, 'plan', { enumerable: true, get: () => 'pro' })]);
      // Lone surrogates in data are escaped by JSON: only identifiers and names must be well-formed.
      ok('identify', ['u1', { note: 'half an emoji \ud83d' }]);
    });
  });

  describe('strings that go into a URL or name a person, device or event', () => {
    const ID_PLACES: ReadonlyArray<readonly [string, (s: string) => unknown[], string]> = [
      ['identify', (s) => [s, {}], 'customerId'],
      ['track', (s) => [s, { name: 'x' }], 'customerId'],
      ['trackAnonymous', (s) => [s, { name: 'x' }], 'anonymousId'],
      ['trackPageView', (s) => [s, '/pricing'], 'customerId'],
      ['destroy', (s) => [s], 'customerId'],
      ['suppress', (s) => [s], 'customerId'],
      ['unsuppress', (s) => [s], 'customerId'],
      ['addDevice', (s) => [s, 'token', 'ios'], 'customerId'],
      ['addDevice', (s) => ['u1', s, 'ios'], 'deviceId'],
      ['deleteDevice', (s) => [s, 'token'], 'customerId'],
      ['deleteDevice', (s) => ['u1', s], 'deviceToken'],
      ['mergeCustomers', (s) => ['id', s, 'id', 'u2'], 'primaryId'],
      ['mergeCustomers', (s) => ['id', 'u1', 'email', s], 'secondaryId'],
      ['sendEmail', (s) => [{ to: 'a@example.com', identifiers: { id: s }, transactional_message_id: 1 }], 'request.identifiers.id'],
      ['triggerBroadcast', (s) => [s], 'broadcastId'],
      ['track', (s) => ['u1', { name: s }], 'data.name'],
      ['trackPageView', (s) => ['u1', s], 'path'],
    ];

    it('refuses a lone UTF-16 surrogate (encodeURIComponent would throw "URI malformed")', () => {
      for (const [operation, place, field] of ID_PLACES) {
        for (const text of LONE_SURROGATES) {
          expectRejected(operation, place(text), field, /is not well-formed Unicode \(it holds a lone UTF-16 surrogate\)$/);
        }
        // A whole surrogate pair is fine.
        expect(validateCall(operation, place('user-😀')), operation).to.equal(null);
      }
    });

    it('bounds a page path by the event-name limit, since it is sent as the event name', () => {
      expect(CIO_LIMITS.pageNameBytes).to.equal(CIO_LIMITS.eventNameBytes);
      expect(validateCall('trackPageView', ['u1', `/${'p'.repeat(99)}`])).to.equal(null);
      expectRejected('trackPageView', ['u1', `/${'p'.repeat(100)}`], 'path', /page path is 101 bytes; Customer\.io allows at most 100/);
      expectRejected('trackPageView', ['u1', `/${VALUE}${'€'.repeat(40)}`], 'path', /page path is 130 bytes/);
    });

    it('bounds device ids and tokens', () => {
      const max = CIO_LIMITS.deviceTokenBytes;
      expect(max).to.equal(1000);
      expect(validateCall('addDevice', ['u1', 't'.repeat(max), 'ios'])).to.equal(null);
      expect(validateCall('deleteDevice', ['u1', 't'.repeat(max)])).to.equal(null);
      expectRejected('addDevice', ['u1', VALUE + 't'.repeat(max), 'ios'], 'deviceId', /deviceId is 1009 bytes; this client allows at most 1000/);
      expectRejected('deleteDevice', ['u1', VALUE + 't'.repeat(max)], 'deviceToken', /deviceToken is 1009 bytes; this client allows at most 1000/);
    });
  });

  describe('through the real client, against the emulator', () => {
    let h: Harness;
    let cio: CioClient;
    before(async () => {
      h = await harness();
      cio = h.client();
    });
    after(() => h.cleanup());

    const call = (c: CioClient, operation: string, args: readonly unknown[]): Promise<CioResult> =>
      (c as unknown as Record<string, (...a: unknown[]) => Promise<CioResult>>)[operation]!(...args);

    function expectResultRejected(result: CioResult, where: string): void {
      expect(result.status, `${where}: ${result.error?.message}`).to.equal('rejected');
      expect(result.error?.code, where).to.equal('INVALID_INPUT');
      expect(result.error, where).to.be.instanceOf(CioValidationError);
      expectClean(result.error as CioValidationError, where);
    }

    it('resolves every hostile call rejected/INVALID_INPUT and sends nothing', async () => {
      const results: Array<Promise<[string, CioResult]>> = [];
      for (const [what, make] of HOSTILE_VALUES) {
        for (const [operation, place] of PLACES) {
          results.push(call(cio, operation, place(make())).then((r) => [`${operation} with ${what}`, r]));
        }
      }
      for (const text of LONE_SURROGATES) {
        results.push(call(cio, 'identify', [text, {}]).then((r) => ['identify with a lone surrogate', r]));
        results.push(call(cio, 'deleteDevice', ['u1', text]).then((r) => ['deleteDevice with a lone surrogate', r]));
        results.push(call(cio, 'triggerBroadcast', [text]).then((r) => ['triggerBroadcast with a lone surrogate', r]));
      }
      results.push(call(cio, 'trackPageView', ['u1', `/${'p'.repeat(200)}`]).then((r) => ['a long page path', r]));
      results.push(call(cio, 'deleteDevice', ['u1', 't'.repeat(5000)]).then((r) => ['a long device token', r]));
      for (const [where, result] of await Promise.all(results)) expectResultRejected(result, where);
      expect(h.emu.requests).to.have.length(0);
    });

    it('resolves a hostile batched call rejected too', async () => {
      const r = await call(cio, 'track', ['u1', { name: 'x', data: { a: throwingTrap('ownKeys') } }, { batch: true }]);
      expectResultRejected(r, 'batched track');
      expect(r.error).to.have.property('field', 'data.data.a');
    });

    it('through a request scope: the snapshot never throws and the call is rejected', async () => {
      const scope = createRequestScope(cio, { idempotencyScope: undefined, personId: undefined });
      const calls = HOSTILE_VALUES.map(([what, make]) => [what, scope.cio.identify('u1', { attr: make() } as never)] as const);
      const surrogate = scope.cio.identify('\ud800', {});
      scope.release();
      for (const [what, deferred] of calls) expectResultRejected(await deferred.delivered, `scoped identify with ${what}`);
      expectResultRejected(await surrogate.delivered, 'scoped identify with a lone surrogate');
      expect(h.emu.requests).to.have.length(0);
    });
  });
});
