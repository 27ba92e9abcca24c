/**
 * The Track v2 batch form of each operation has the same effect as its v1 call: the same call is sent
 * once on its v1 route (a real customerio-node TrackClient) and once as its form in `track.batch()`,
 * each on a fresh emulator state, and what the emulator keeps (people, suppressions, devices,
 * delivered events, accepted operations) must be the same.
 */
import { expect } from 'chai';
import type { TrackClient } from 'customerio-node';
import { ulid } from 'ulid';
import { BATCH_FORMS, batchFormOf } from '../../src/operations/batchForms.js';
import type { BatchedOperation } from '../../src/operations/batchForms.js';
import { startCioEmulator } from '../../src/testing/index.js';
import type { CioEmulator } from '../../src/testing/index.js';
import { CREDS, trackClient } from '../support/emulator.js';

type Call = readonly [operation: BatchedOperation, args: readonly unknown[]];

/** Unix seconds of a call made a while ago (as a queued call keeps its time). */
const T = 1_700_000_000;
const MADE_AT = T * 1000 + 250;

/** Sends one call on its v1 route, as the client does (a page view goes through track() to carry its id and time). */
async function sendV1(track: TrackClient, [operation, a]: Call): Promise<void> {
  const s = (i: number) => a[i] as string;
  switch (operation) {
    case 'identify':
      await track.identify(s(0), a[1] as Record<string, unknown>);
      return;
    case 'track':
      await track.track(s(0), a[1] as Record<string, unknown>);
      return;
    case 'trackAnonymous':
      await track.trackAnonymous(s(0), a[1] as Record<string, unknown>);
      return;
    case 'trackPageView':
      await track.track(s(0), {
        type: 'page',
        name: a[1],
        ...(a[2] ? { id: a[2] } : {}),
        ...(typeof a[3] === 'number' ? { timestamp: a[3] } : {}),
      });
      return;
    case 'destroy':
      await track.destroy(s(0));
      return;
    case 'suppress':
      await track.suppress(s(0));
      return;
    case 'unsuppress':
      await track.unsuppress(s(0));
      return;
    case 'addDevice':
      await track.addDevice(s(0), s(1), s(2), a[3] as Record<string, unknown> | undefined);
      return;
    case 'deleteDevice':
      await track.deleteDevice(s(0), s(1));
      return;
    case 'mergeCustomers':
      await track.mergeCustomers(a[0] as never, s(1), a[2] as never, s(3));
      return;
  }
}

/** The form of a call made at `madeAt` (default {@link MADE_AT}; `undefined`: a live call); fails the test when it has none. */
function formOf([operation, args]: Call, ...when: [madeAt?: number | undefined]): Record<string, unknown> {
  const op = BATCH_FORMS[operation](args, when.length > 0 ? when[0] : MADE_AT);
  expect(op, `${operation}(${JSON.stringify(args)}) has a v2 form`).to.not.equal(undefined);
  return op!;
}

/** What the emulator keeps, without what differs by route (request numbers, arrival times, v1/v2, payloads). */
function stateOf(emu: CioEmulator): unknown {
  return {
    people: Object.fromEntries(emu.people),
    suppressed: [...emu.suppressed].sort(),
    devices: Object.fromEntries([...emu.devices].map(([person, devices]) => [person, Object.fromEntries(devices)])),
    events: emu.events.map((e) => ({ kind: e.kind, name: e.name, personId: e.personId, anonymousId: e.anonymousId, id: e.id, data: e.data, timestamp: e.timestamp })),
    operations: emu.operations.map((o) => ({ operation: o.operation, personId: o.personId, duplicate: o.duplicate })),
    duplicates: emu.duplicates,
  };
}

describe('operations/batchForms: the Track v2 form of each call', () => {
  let emu: CioEmulator;
  let track: TrackClient;

  before(async () => {
    emu = await startCioEmulator(CREDS);
    track = trackClient(emu);
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.reset();
  });

  /**
   * The state after `setup` then `calls` on their v1 routes, and after `setup` on v1 then `calls`
   * as one batch of their forms (answered 200: every item accepted).
   */
  async function bothWays(calls: readonly Call[], setup: readonly Call[] = []): Promise<{ v1: unknown; v2: unknown }> {
    emu.reset();
    for (const call of [...setup, ...calls]) await sendV1(track, call);
    expect(emu.requests.map((r) => r.status)).to.deep.equal([...setup, ...calls].map(() => 200));
    const v1 = stateOf(emu);

    emu.reset();
    for (const call of setup) await sendV1(track, call);
    const res = await track.batch(calls.map((call) => formOf(call)));
    expect(res, JSON.stringify(res)).to.deep.equal({});
    expect(emu.requests.at(-1)?.status).to.equal(200);
    return { v1, v2: stateOf(emu) };
  }

  const cases: { name: string; calls: readonly Call[]; setup?: readonly Call[] }[] = [
    { name: 'identify', calls: [['identify', ['u1', { plan: 'pro', n: 1, nested: { a: [1, 2] } }]]] },
    { name: 'identify by a number id', calls: [['identify', [42, { plan: 'pro' }]]] },
    { name: 'identify by cio_id', calls: [['identify', ['cio_abc123', { plan: 'pro' }]]], setup: [['identify', ['cio_abc123', { old: true }]]] },
    {
      name: 'identify with cio_relationships (an instruction in v1, beside the attributes in v2)',
      calls: [['identify', ['u1', { plan: 'pro', cio_relationships: [{ identifiers: { object_type_id: '1', object_id: 'acme' } }] }]]],
    },
    { name: 'identify of a suppressed person (not stored)', calls: [['identify', ['u1', { plan: 'pro' }]]], setup: [['suppress', ['u1']]] },
    { name: 'track', calls: [['track', ['u1', { name: 'bought', data: { sku: 'a', price: 9.5 }, id: ulid(), timestamp: T }]]] },
    { name: 'track without data', calls: [['track', ['u1', { name: 'pinged', id: ulid(), timestamp: T }]]] },
    { name: 'track of a page event', calls: [['track', ['u1', { name: '/home', type: 'page', data: { ref: 'x' }, id: ulid(), timestamp: T }]]] },
    { name: 'track of a screen event', calls: [['track', ['u1', { name: 'Settings', type: 'screen', id: ulid(), timestamp: T }]]] },
    { name: 'trackAnonymous', calls: [['trackAnonymous', ['visitor-1', { name: 'viewed', data: { plan: 'pro' }, id: ulid(), timestamp: T }]]] },
    { name: 'trackAnonymous of a page event', calls: [['trackAnonymous', ['visitor-1', { name: '/pricing', type: 'page', id: ulid(), timestamp: T }]]] },
    { name: 'trackPageView', calls: [['trackPageView', ['u1', '/pricing?x=1', ulid(), T]]] },
    { name: 'destroy', calls: [['destroy', ['u1']]], setup: [['identify', ['u1', { a: 1 }]], ['addDevice', ['u1', 'tok', 'ios']]] },
    { name: 'suppress', calls: [['suppress', ['u1']]], setup: [['identify', ['u1', { a: 1 }]], ['addDevice', ['u1', 'tok', 'ios']]] },
    { name: 'unsuppress', calls: [['unsuppress', ['u1']], ['identify', ['u1', { back: true }]]], setup: [['suppress', ['u1']]] },
    { name: 'addDevice', calls: [['addDevice', ['u1', 'tok-1', 'ios', { last_used: T, app_version: '2.0', push_enabled: 'true' }]]] },
    { name: 'addDevice without data', calls: [['addDevice', ['u1', 'tok-1', 'android']]] },
    { name: 'addDevice replacing a device', calls: [['addDevice', ['u1', 'tok-1', 'android', { last_used: T + 5 }]]], setup: [['addDevice', ['u1', 'tok-1', 'ios', { a: '1' }]]] },
    { name: 'deleteDevice', calls: [['deleteDevice', ['u1', 'tok-1']]], setup: [['addDevice', ['u1', 'tok-1', 'ios']], ['addDevice', ['u1', 'tok-2', 'ios']]] },
    { name: 'deleteDevice of a token with reserved URL characters', calls: [['deleteDevice', ['u1', 'a/b c?d']]], setup: [['addDevice', ['u1', 'a/b c?d', 'ios']]] },
    {
      name: 'mergeCustomers by id and email',
      calls: [['mergeCustomers', ['id', 'u1', 'email', 'old@example.com']]],
      setup: [['identify', ['u1', { plan: 'pro' }]], ['addDevice', ['u1', 'tok-1', 'ios']]],
    },
    {
      name: 'mergeCustomers by cio_id and a number id',
      calls: [['mergeCustomers', ['cio_id', 'abc', 'id', 7]]],
      setup: [['identify', ['cio_abc', { keep: 1 }]], ['identify', [7, { keep: 2, extra: 3 }]], ['addDevice', [7, 'tok-7', 'android']]],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: the same state on its v1 route and in a batch`, async () => {
      const { v1, v2 } = await bothWays(c.calls, c.setup);
      expect(v2).to.deep.equal(v1);
    });
  }

  it('a realistic backlog (track, identify, page views, anonymous events, devices, suppressions) in one batch: the same state', async () => {
    const calls: Call[] = [];
    for (let i = 0; i < 40; i++) {
      const who = `p${i % 7}`;
      switch (i % 10) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
          calls.push(['track', [who, { name: `e${i}`, data: { i }, id: ulid(), timestamp: T + i }]]);
          break;
        case 5:
        case 6:
          calls.push(['identify', [who, { step: i, [`k${i}`]: true }]]);
          break;
        case 7:
          calls.push(['trackPageView', [who, `/page/${i}`, ulid(), T + i]]);
          break;
        case 8:
          calls.push(i % 20 === 8 ? ['trackAnonymous', [`visitor-${i}`, { name: 'seen', id: ulid(), timestamp: T + i }]] : ['addDevice', [who, `tok-${i}`, 'ios', { last_used: T }]]);
          break;
        default:
          calls.push(i === 39 ? ['suppress', [who]] : ['deleteDevice', [who, `tok-${i - 1}`]]);
      }
    }
    const { v1, v2 } = await bothWays(calls);
    expect(v2).to.deep.equal(v1);
    expect((v1 as { operations: unknown[] }).operations).to.have.length(40);
  });

  it('a replayed event (same ULID) is a duplicate either way', async () => {
    const call: Call = ['track', ['u1', { name: 'once', id: ulid(), timestamp: T }]];
    const { v1, v2 } = await bothWays([call, call]);
    expect(v2).to.deep.equal(v1);
    expect((v1 as { duplicates: number }).duplicates).to.equal(1);
  });

  describe('the forms', () => {
    it('carry identifiers as Customer.io wants them: cio_ prefix → cio_id, numbers → string id', () => {
      expect(formOf(['destroy', ['cio_a1b2']])).to.deep.equal({ type: 'person', identifiers: { cio_id: 'a1b2' }, action: 'delete' });
      expect(formOf(['suppress', [42]])).to.deep.equal({ type: 'person', identifiers: { id: '42' }, action: 'suppress' });
      expect(formOf(['unsuppress', ['u 1']])).to.deep.equal({ type: 'person', identifiers: { id: 'u 1' }, action: 'unsuppress' });
    });

    it('stamp identify with the time the call was made only when it was made earlier', () => {
      expect(formOf(['identify', ['u1', { a: 1 }]], undefined)).to.deep.equal({ type: 'person', identifiers: { id: 'u1' }, action: 'identify', attributes: { a: 1 } });
      expect(formOf(['identify', ['u1', { a: 1 }]], MADE_AT)).to.deep.include({ timestamp: T });
      expect(formOf(['identify', ['u1']], MADE_AT)).to.deep.include({ attributes: {} });
    });

    it('keep an event its ULID and its own time, else the time it was made (or now)', () => {
      const id = ulid();
      expect(formOf(['track', ['u1', { name: 'n', data: { x: 1 }, id, timestamp: 5 }]])).to.deep.equal({
        type: 'person', identifiers: { id: 'u1' }, action: 'event', name: 'n', id, timestamp: 5, attributes: { x: 1 },
      });
      expect(formOf(['track', ['u1', { name: 'n' }]], MADE_AT)).to.deep.include({ timestamp: T, attributes: {} });
      const now = Math.floor(Date.now() / 1000);
      expect(formOf(['track', ['u1', { name: 'n' }]], undefined)['timestamp']).to.be.within(now, now + 2);
      expect(formOf(['trackPageView', ['u1', '/p']], MADE_AT)).to.deep.equal({ type: 'person', identifiers: { id: 'u1' }, action: 'page', name: '/p', timestamp: T });
      expect(formOf(['trackPageView', ['u1', '/p', '', 9]])).to.deep.equal({ type: 'person', identifiers: { id: 'u1' }, action: 'page', name: '/p', timestamp: 9 });
    });

    it('name an anonymous visitor in identifiers', () => {
      expect(formOf(['trackAnonymous', ['v-1', { name: 'n', type: 'screen', timestamp: 3 }]])).to.deep.equal({
        type: 'person', identifiers: { anonymous_id: 'v-1' }, action: 'screen', name: 'n', timestamp: 3, attributes: {},
      });
    });

    it('shape devices and merges as the v2 reference does', () => {
      expect(formOf(['addDevice', ['u1', 'tok', 'ios', { last_used: 7, app_version: '2' }]])).to.deep.equal({
        type: 'person', identifiers: { id: 'u1' }, action: 'add_device', device: { token: 'tok', platform: 'ios', last_used: 7, attributes: { app_version: '2' } },
      });
      expect(formOf(['addDevice', ['u1', 'tok', 'ios', { last_used: null }]])).to.deep.equal({
        type: 'person', identifiers: { id: 'u1' }, action: 'add_device', device: { token: 'tok', platform: 'ios' },
      });
      expect(formOf(['deleteDevice', ['u1', 123]])).to.deep.equal({ type: 'person', identifiers: { id: 'u1' }, action: 'delete_device', device: { token: '123' } });
      expect(formOf(['mergeCustomers', ['email', 'a@example.com', 'id', 7]])).to.deep.equal({
        type: 'person', action: 'merge', primary: { email: 'a@example.com' }, secondary: { id: '7' },
      });
    });

    it('are undefined for a call that must go on its own v1 route', () => {
      const alone: Call[] = [
        // A path id that may be an email (resolved by the workspace's settings on v1), or that the SDK refuses.
        ['identify', ['a@example.com', { a: 1 }]],
        ['identify', ['', { a: 1 }]],
        ['identify', ['  ', { a: 1 }]],
        ['identify', ['cio_', { a: 1 }]],
        ['identify', [Number.NaN, { a: 1 }]],
        ['identify', ['u1', ['not', 'an', 'object']]],
        ['destroy', ['x@y']],
        // Event fields v2 has no place for, or values its v1 route judges.
        ['track', ['u1', { name: 'n', anonymous_id: 'v' }]],
        ['track', ['u1', { name: 'n', type: 'custom' }]],
        ['track', ['u1', { name: 'n', data: 'text' }]],
        ['track', ['u1', { name: 'n', id: 12 }]],
        ['track', ['u1', { name: 'n', timestamp: '2024-01-01' }]],
        ['track', ['u1', { data: {} }]],
        ['track', ['u1', 'not an object']],
        // An invite event (no anonymous id) cannot be named in v2; a number id is a string in v2 only.
        ['trackAnonymous', ['', { name: 'invite', data: { recipient: 'a@example.com' } }]],
        ['trackAnonymous', [undefined, { name: 'invite', data: { recipient: 'a@example.com' } }]],
        ['trackAnonymous', [7, { name: 'n' }]],
        ['trackPageView', ['u1', '']],
        ['trackPageView', ['u1', '/p', 12]],
        ['trackPageView', ['u1', '/p', ulid(), 'late']],
        ['addDevice', ['u1', '', 'ios']],
        ['addDevice', ['u1', 'tok', '']],
        ['addDevice', ['u1', 'tok', 'ios', { last_used: 'yesterday' }]],
        ['addDevice', ['u1', 'tok', 'ios', ['x']]],
        ['addDevice', ['a@example.com', 'tok', 'ios']],
        ['deleteDevice', ['u1', '']],
        ['deleteDevice', ['u1', undefined]],
        ['mergeCustomers', ['phone', '+100', 'id', '2']],
        ['mergeCustomers', ['id', '', 'id', '2']],
        ['mergeCustomers', ['id', '1', 'id', Number.POSITIVE_INFINITY]],
      ];
      for (const [operation, args] of alone) {
        expect(BATCH_FORMS[operation](args, MADE_AT), `${operation}(${JSON.stringify(args)})`).to.equal(undefined);
      }
    });

    it('exist only for the operations Track v2 takes (not the App API sends)', () => {
      expect(Object.keys(BATCH_FORMS).sort()).to.deep.equal(
        ['addDevice', 'deleteDevice', 'destroy', 'identify', 'mergeCustomers', 'suppress', 'track', 'trackAnonymous', 'trackPageView', 'unsuppress'],
      );
      expect(batchFormOf('sendEmail', [{ to: 'a@example.com' }], MADE_AT)).to.equal(undefined);
      expect(batchFormOf('constructor', [], MADE_AT)).to.equal(undefined);
      expect(batchFormOf('suppress', ['u1'], MADE_AT)).to.deep.equal({ type: 'person', identifiers: { id: 'u1' }, action: 'suppress' });
    });
  });
});
