import { expect } from 'chai';
import type { QueueEntry, QueueStore } from '../../src/queue/store.js';
import { eventually, ids, makeEntry } from './entries.js';

/** A store made for one test, and how to dispose of it (and of anything it left behind). */
export interface StoreHandle {
  store: QueueStore;
  cleanup(): Promise<void>;
}

/** Options the suite may ask a factory for. */
export interface StoreFactoryOptions {
  maxSize?: number;
}

/** Makes a fresh, empty store. */
export type StoreFactory = (options?: StoreFactoryOptions) => Promise<StoreHandle>;

/** How the suite drives time for a store. */
export interface QueueStoreSuiteOptions {
  /** The store's clock (ms since the epoch). */
  now(): number;
  /** Lets `ms` pass for the store: moves its fake clock, or really waits. */
  advance(ms: number): Promise<void>;
  /** A lease the tests let run out. */
  shortLeaseMs: number;
  /** A retry delay the tests let pass. */
  shortDelayMs: number;
  /** How long (real time) to keep looking for an effect of background work: 0 with a fake clock. */
  settleMs: number;
  /** Whether the clock is exact, so that ages can be compared exactly. */
  exactClock: boolean;
  /** Whether an entry retried with a delay keeps its place ahead of entries pushed after it. */
  retryKeepsPlaceAfterDelay: boolean;
}

const LONG_LEASE = 60_000;

/**
 * The contract every {@link QueueStore} honours, run against the store made by `factory`
 * (a fresh one for each test).
 */
export function describeQueueStore(name: string, factory: StoreFactory, opts: QueueStoreSuiteOptions): void {
  describe(`${name}: QueueStore contract`, function () {
    let handle: StoreHandle | undefined;
    let store: QueueStore;
    const extra: StoreHandle[] = [];

    beforeEach(async () => {
      handle = await factory();
      store = handle.store;
    });

    afterEach(async () => {
      for (const h of [handle, ...extra.splice(0)]) await h?.cleanup();
      handle = undefined;
    });

    async function pushAll(entries: QueueEntry[]): Promise<void> {
      for (const e of entries) expect(await store.push(e)).to.equal('queued');
    }

    /** Takes (with a long lease) until something comes back, for effects of background work. */
    const takeSoon = (limit = 10): Promise<QueueEntry[]> =>
      eventually(() => store.take(limit, LONG_LEASE), (got) => got.length > 0, opts.settleMs);

    describe('push, take and ack', () => {
      it('hands back an entry with every field exactly as pushed', async () => {
        const full = makeEntry({ eventId: '01HZY3K9Q8X2V5N7M4B6C1D0EF', lastError: 'TIMEOUT: attempt timed out', attempts: 2, personKey: 'p-full' });
        const bare = makeEntry({ operation: 'identify', args: ['p-bare', { email: 'a@example.com', n: 1.5, on: false }], personKey: 'p-bare' });
        await pushAll([full, bare]);
        const got = await store.take(10, LONG_LEASE);
        expect(got).to.deep.equal([full, bare]);
        expect(got[1]).to.not.have.any.keys('eventId', 'lastError');
      });

      it('hands out the oldest entries first and honours the limit', async () => {
        const entries = [makeEntry({ personKey: 'a' }), makeEntry(), makeEntry({ personKey: 'b' }), makeEntry({ personKey: 'c' }), makeEntry()];
        await pushAll(entries);
        expect(ids(await store.take(2, LONG_LEASE))).to.deep.equal(ids(entries.slice(0, 2)));
        expect(ids(await store.take(10, LONG_LEASE))).to.deep.equal(ids(entries.slice(2)));
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([]);
      });

      it('hides a leased entry from later takes', async () => {
        const e = makeEntry();
        await pushAll([e]);
        expect(ids(await store.take(1, LONG_LEASE))).to.deep.equal([e.id]);
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([]);
        expect((await store.stats()).depth).to.equal(1);
      });

      it('removes acked entries and ignores unknown ids', async () => {
        const [a, b] = [makeEntry(), makeEntry()];
        await pushAll([a, b]);
        await store.take(10, LONG_LEASE);
        await store.ack([a.id, 'no-such-id']);
        await store.ack([]);
        expect((await store.stats()).depth).to.equal(1);
        await store.ack([b.id]);
        expect((await store.stats()).depth).to.equal(0);
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([]);
      });

      it('keeps one entry when the same id is pushed twice', async () => {
        const e = makeEntry();
        expect(await store.push(e)).to.equal('queued');
        expect(await store.push({ ...e, operation: 'identify' })).to.equal('queued');
        expect((await store.stats()).depth).to.equal(1);
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([e]);
      });

      it('returns take(0) empty and rejects bad arguments with a RangeError', async () => {
        await pushAll([makeEntry()]);
        expect(await store.take(0, LONG_LEASE)).to.deep.equal([]);
        await expectRejection(store.take(-1, LONG_LEASE), RangeError, /limit/);
        await expectRejection(store.take(1.5, LONG_LEASE), RangeError, /limit/);
        await expectRejection(store.take(1, 0), RangeError, /leaseMs/);
        await expectRejection(store.retry([], -5), RangeError, /delayMs/);
        expect((await store.stats()).depth).to.equal(1);
      });

      it('rejects a malformed entry with a TypeError naming the field', async () => {
        await expectRejection(store.push({ ...makeEntry(), args: 'x' as unknown as unknown[] }), TypeError, /entry\.args/);
        await expectRejection(store.push({ ...makeEntry(), id: '' }), TypeError, /entry\.id/);
        expect((await store.stats()).depth).to.equal(0);
      });
    });

    describe("each person's order", () => {
      it("keeps a person's later entry back while the earlier one is leased, and not others'", async () => {
        const [a1, b1, a2, c1] = [makeEntry({ personKey: 'A' }), makeEntry({ personKey: 'B' }), makeEntry({ personKey: 'A' }), makeEntry({ personKey: 'C' })];
        await pushAll([a1, b1, a2, c1]);
        expect(ids(await store.take(10, LONG_LEASE))).to.deep.equal([a1.id, b1.id, c1.id]);
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([]);
        await store.ack([a1.id]);
        expect(ids(await takeSoon())).to.deep.equal([a2.id]);
      });

      it("keeps a person's later entry back while the earlier one waits out a retry delay", async () => {
        const [a1, a2, b1] = [makeEntry({ personKey: 'A' }), makeEntry({ personKey: 'A' }), makeEntry({ personKey: 'B' })];
        await pushAll([a1, a2, b1]);
        expect(ids(await store.take(10, LONG_LEASE))).to.deep.equal([a1.id, b1.id]);
        await store.retry([a1.id], opts.shortDelayMs, 'TRANSIENT: 503');
        await store.ack([b1.id]);
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([]);
        await opts.advance(opts.shortDelayMs + 10);
        const again = await takeSoon();
        expect(ids(again)).to.deep.equal([a1.id]);
        expect(again[0]!.attempts).to.equal(1);
        await store.ack([a1.id]);
        expect(ids(await takeSoon())).to.deep.equal([a2.id]);
      });

      it('does not hold back entries whose person key is empty', async () => {
        const [x1, x2] = [makeEntry({ personKey: '' }), makeEntry({ personKey: '' })];
        await pushAll([x1, x2]);
        expect(ids(await store.take(10, LONG_LEASE))).to.deep.equal([x1.id, x2.id]);
      });
    });

    describe('leases and retries', () => {
      it("hands an entry out again when its lease runs out, keeping its person's next entry back", async () => {
        const [a1, a2] = [makeEntry({ personKey: 'A' }), makeEntry({ personKey: 'A' })];
        await pushAll([a1, a2]);
        expect(ids(await store.take(10, opts.shortLeaseMs))).to.deep.equal([a1.id]);
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([]);
        await opts.advance(opts.shortLeaseMs + 10);
        const again = await takeSoon();
        expect(again).to.deep.equal([a1]);
      });

      it('counts an attempt, records the error and delays the entry on retry', async () => {
        const e = makeEntry({ attempts: 1 });
        await pushAll([e]);
        await store.take(1, LONG_LEASE);
        await store.retry([e.id], opts.shortDelayMs, 'TRANSIENT: Customer.io answered 503');
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([]);
        expect((await store.stats()).depth).to.equal(1);
        await opts.advance(opts.shortDelayMs + 10);
        expect(await takeSoon()).to.deep.equal([{ ...e, attempts: 2, lastError: 'TRANSIENT: Customer.io answered 503' }]);
        await store.retry([e.id], 0);
        expect(await takeSoon()).to.deep.equal([{ ...e, attempts: 3, lastError: 'TRANSIENT: Customer.io answered 503' }]);
      });

      it('hands an entry back without counting an attempt when told it was not tried', async () => {
        const e = makeEntry({ attempts: 2 });
        await pushAll([e]);
        await store.take(1, LONG_LEASE);
        await store.retry([e.id], 0, undefined, { counted: false });
        expect(await takeSoon()).to.deep.equal([e]);
        await store.retry([e.id], 0, 'CIRCUIT_OPEN: not tried', { counted: false });
        expect(await takeSoon()).to.deep.equal([{ ...e, lastError: 'CIRCUIT_OPEN: not tried' }]);
      });

      it('keeps the place of an entry retried without delay', async () => {
        const [a, b] = [makeEntry({ personKey: 'A' }), makeEntry({ personKey: 'B' })];
        await pushAll([a, b]);
        expect(ids(await store.take(1, LONG_LEASE))).to.deep.equal([a.id]);
        await store.retry([a.id], 0);
        expect(ids(await store.take(10, LONG_LEASE))).to.deep.equal([a.id, b.id]);
      });

      if (opts.retryKeepsPlaceAfterDelay) {
        it('keeps the place of an entry retried with a delay once the delay has passed', async () => {
          const [a, b] = [makeEntry({ personKey: 'A' }), makeEntry({ personKey: 'B' })];
          await pushAll([a, b]);
          await store.take(1, LONG_LEASE);
          await store.retry([a.id], opts.shortDelayMs);
          await opts.advance(opts.shortDelayMs + 10);
          expect(ids(await store.take(10, LONG_LEASE))).to.deep.equal([a.id, b.id]);
        });
      } else {
        it('hands out an entry retried with a delay once the delay has passed, after entries that were ready', async () => {
          const [a, b] = [makeEntry({ personKey: 'A' }), makeEntry({ personKey: 'B' })];
          await pushAll([a, b]);
          await store.take(1, LONG_LEASE);
          await store.retry([a.id], opts.shortDelayMs);
          expect(ids(await store.take(10, LONG_LEASE))).to.deep.equal([b.id]);
          await opts.advance(opts.shortDelayMs + 10);
          expect(ids(await takeSoon())).to.deep.equal([a.id]);
        });
      }
    });

    describe('dead letters', () => {
      it("sets a leased entry aside with its reason and frees its person's next entry", async () => {
        const [a1, a2] = [makeEntry({ personKey: 'A', eventId: '01HZY3K9Q8X2V5N7M4B6C1D0EG' }), makeEntry({ personKey: 'A' })];
        await pushAll([a1, a2]);
        await store.take(10, LONG_LEASE);
        const before = opts.now();
        await store.deadLetter([a1.id], 'PERMANENT: Customer.io answered 400');
        const dead = await store.listDeadLetters();
        expect(dead).to.have.length(1);
        const { deadAt, ...rest } = dead[0]!;
        expect(rest).to.deep.equal({ ...a1, reason: 'PERMANENT: Customer.io answered 400' });
        expect(deadAt).to.be.a('number').within(before, opts.now());
        expect(await store.stats()).to.include({ depth: 1, deadLetters: 1 });
        expect(ids(await takeSoon())).to.deep.equal([a2.id]);
      });

      it('sets a waiting entry aside too, and ignores unknown ids', async () => {
        const e = makeEntry();
        await pushAll([e]);
        await store.deadLetter([e.id, 'no-such-id'], 'AMBIGUOUS: timed out after sending');
        expect(await store.stats()).to.include({ depth: 0, deadLetters: 1 });
        expect(ids(await store.listDeadLetters())).to.deep.equal([e.id]);
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([]);
      });

      it('records operations that were never queued, listing them oldest first within a limit', async () => {
        const ds = [makeEntry({ operation: 'sendEmail', args: [{ to: 'x@example.com' }] }), makeEntry(), makeEntry({ attempts: 3, lastError: 'TIMEOUT: t' })];
        for (const d of ds) await store.addDeadLetter(d, `AMBIGUOUS: ${d.id}`);
        const all = await store.listDeadLetters();
        expect(ids(all)).to.deep.equal(ids(ds));
        expect(all.map(({ deadAt: _deadAt, ...rest }) => rest)).to.deep.equal(ds.map((d) => ({ ...d, reason: `AMBIGUOUS: ${d.id}` })));
        expect(ids(await store.listDeadLetters(2))).to.deep.equal(ids(ds.slice(0, 2)));
        expect(await store.listDeadLetters(0)).to.deep.equal([]);
        await expectRejection(store.listDeadLetters(-1), RangeError, /limit/);
        expect(await store.stats()).to.include({ depth: 0, deadLetters: 3 });
      });

      it('redrives chosen dead letters to the tail with attempts reset, then all of them', async () => {
        const queued = makeEntry({ personKey: 'Q' });
        const [d1, d2] = [makeEntry({ attempts: 4, lastError: 'NETWORK: refused', personKey: 'D' }), makeEntry()];
        await pushAll([queued]);
        await store.addDeadLetter(d1, 'PERMANENT: 401');
        await store.addDeadLetter(d2, 'PERMANENT: 404');
        expect(await store.redrive([d1.id, 'no-such-id'])).to.equal(1);
        expect(ids(await store.listDeadLetters())).to.deep.equal([d2.id]);
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([queued, { ...d1, attempts: 0 }]);
        expect(await store.redrive()).to.equal(1);
        expect(await store.redrive()).to.equal(0);
        expect(await store.stats()).to.include({ depth: 3, deadLetters: 0 });
        expect(ids(await takeSoon())).to.deep.equal([d2.id]);
      });

      it('discards chosen dead letters for good, ignoring unknown ids, and leaves the queue alone', async () => {
        const queued = makeEntry({ personKey: 'Q' });
        const [d1, d2, d3] = [makeEntry({ personKey: 'D' }), makeEntry(), makeEntry({ operation: 'sendEmail', args: [{ to: 'x@example.com' }] })];
        await pushAll([queued]);
        for (const d of [d1, d2, d3]) await store.addDeadLetter(d, `PERMANENT: ${d.id}`);
        const discard = store.discardDeadLetters!.bind(store);
        expect(await discard([d1.id, 'no-such-id', d3.id])).to.equal(2);
        expect(ids(await store.listDeadLetters())).to.deep.equal([d2.id]);
        expect(await store.stats()).to.include({ depth: 1, deadLetters: 1 });
        expect(await discard([d1.id])).to.equal(0);
        expect(await discard([])).to.equal(0);
        // Gone for good: a re-drive of them moves nothing, and only the queued entry is handed out.
        expect(await store.redrive([d1.id, d3.id])).to.equal(0);
        expect(await store.take(10, LONG_LEASE)).to.deep.equal([queued]);
        await expectRejection(discard('nope' as unknown as string[]), TypeError, /ids/);
        expect(await discard([d2.id])).to.equal(1);
        expect(await store.stats()).to.include({ depth: 1, deadLetters: 0 });
        expect(await store.listDeadLetters()).to.deep.equal([]);
      });
    });

    describe('stats', () => {
      it('counts waiting, leased and delayed entries and tells the age of the oldest', async () => {
        expect(await store.stats()).to.deep.equal({ depth: 0, oldestAgeMs: 0, dropped: 0, deadLetters: 0 });
        const now = opts.now();
        const [old, young, other] = [makeEntry({ enqueuedAt: now - 5_000 }), makeEntry({ enqueuedAt: now - 1_000 }), makeEntry({ enqueuedAt: now })];
        await pushAll([young, old, other]);
        await store.take(1, LONG_LEASE);
        await store.retry([young.id], LONG_LEASE);
        await store.take(1, LONG_LEASE);
        const stats = await store.stats();
        expect(stats).to.include({ depth: 3, dropped: 0, deadLetters: 0 });
        if (opts.exactClock) expect(stats.oldestAgeMs).to.equal(5_000);
        else expect(stats.oldestAgeMs).to.be.within(5_000, 5_000 + 10_000);
        await store.ack([young.id, old.id, other.id]);
        expect(await store.stats()).to.include({ depth: 0, oldestAgeMs: 0 });
      });

      it('refuses entries beyond maxSize and counts them as dropped', async () => {
        const small = await factory({ maxSize: 3 });
        extra.push(small);
        const entries = [makeEntry(), makeEntry(), makeEntry(), makeEntry(), makeEntry()];
        for (const e of entries.slice(0, 3)) expect(await small.store.push(e)).to.equal('queued');
        expect(await small.store.push(entries[3]!)).to.equal('dropped');
        expect(await small.store.push(entries[0]!)).to.equal('queued');
        expect(await small.store.stats()).to.include({ depth: 3, dropped: 1 });
        await small.store.take(1, LONG_LEASE);
        await small.store.ack([entries[0]!.id]);
        expect(await small.store.push(entries[4]!)).to.equal('queued');
        expect(await small.store.push(entries[3]!)).to.equal('dropped');
        expect(await small.store.stats()).to.include({ depth: 3, dropped: 2 });
        expect(ids(await small.store.take(10, LONG_LEASE))).to.deep.equal(ids([entries[1]!, entries[2]!, entries[4]!]));
      });
    });

    describe('close', () => {
      it('can be closed twice, and refuses work once closed', async () => {
        await pushAll([makeEntry()]);
        await store.close();
        await store.close();
        await expectRejection(store.push(makeEntry()), Error, /closed/);
        await expectRejection(store.take(1, LONG_LEASE), Error, /closed/);
      });
    });
  });
}

/** Asserts that `promise` rejects with an instance of `type` whose message matches `message`. */
export async function expectRejection(promise: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a rejection').to.be.instanceOf(type);
  expect((caught as Error).message).to.match(message);
}
