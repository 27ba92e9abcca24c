import { expect } from 'chai';
import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import { fakeClock, ids, makeEntry } from '../support/entries.js';
import { describeQueueStore } from '../support/storeContract.js';

const fake = fakeClock();
const clock = fake.now;

describeQueueStore(
  'memoryQueue',
  async (options = {}) => {
    const store = memoryQueue({ ...options, now: clock });
    return { store, cleanup: () => store.close() };
  },
  fake.suite,
);

describe('memoryQueue', () => {
  describe('options', () => {
    it('rejects a maxSize that is not a whole number >= 1, naming the option and the value', () => {
      expect(() => memoryQueue({ maxSize: 0 })).to.throw(RangeError, 'memoryQueue: maxSize must be a whole number >= 1, got 0');
      expect(() => memoryQueue({ maxSize: 2.5 })).to.throw(RangeError, /maxSize .* got 2\.5/);
      expect(() => memoryQueue({ maxSize: Number.NaN })).to.throw(RangeError, /got NaN/);
      expect(() => memoryQueue({ maxSize: '10' as unknown as number })).to.throw(TypeError, /maxSize .* got "10"/);
    });

    it('rejects a bad maxDeadLetters or clock, and a non-object options argument', () => {
      expect(() => memoryQueue({ maxDeadLetters: -1 })).to.throw(RangeError, /maxDeadLetters .* got -1/);
      expect(() => memoryQueue({ now: 5 as unknown as () => number })).to.throw(TypeError, /now must be a function/);
      expect(() => memoryQueue('big' as never)).to.throw(TypeError, /options must be an object, got "big"/);
    });

    it('rejects a maxBytes that is not a whole number >= 1', () => {
      expect(() => memoryQueue({ maxBytes: 0 })).to.throw(RangeError, 'memoryQueue: maxBytes must be a whole number >= 1, got 0');
      expect(() => memoryQueue({ maxBytes: Number.POSITIVE_INFINITY })).to.throw(RangeError, /maxBytes .* got Infinity/);
      expect(() => memoryQueue({ maxBytes: '1mb' as unknown as number })).to.throw(TypeError, /maxBytes .* got "1mb"/);
    });

    it('holds 100 000 entries by default and drops the next', async () => {
      const store = memoryQueue();
      let queued = 0;
      for (let i = 0; i < 100_000; i++) if ((await store.push(makeEntry())) === 'queued') queued++;
      expect(queued).to.equal(100_000);
      expect(await store.push(makeEntry())).to.equal('dropped');
      expect(await store.stats()).to.include({ depth: 100_000, dropped: 1 });
      await store.close();
    });

    it('drops pushes once the entries held reach maxBytes (2 bytes per character of their text + a row each), and takes them again when room is made', async () => {
      const store = memoryQueue({ maxBytes: 10_000 });
      const big = (): ReturnType<typeof makeEntry> => makeEntry({ args: ['p', { name: 'e', data: { s: 'x'.repeat(1000) } }] });
      const outcomes: string[] = [];
      for (let i = 0; i < 8; i++) outcomes.push(await store.push(big()));
      // Each entry counts about 2 x 1 060 characters + 160 bytes: the 5th push still starts below 10 000 bytes, the 6th does not.
      expect(outcomes).to.deep.equal(['queued', 'queued', 'queued', 'queued', 'queued', 'dropped', 'dropped', 'dropped']);
      expect(await store.stats()).to.include({ depth: 5, dropped: 3 });
      // Small entries are refused too while the budget is used up; acking makes room again.
      expect(await store.push(makeEntry())).to.equal('dropped');
      const [first] = await store.take(1, 60_000);
      await store.ack([first!.id]);
      expect(await store.push(big())).to.equal('queued');
      await store.close();
    });
  });

  describe('dead letters', () => {
    it('keeps at most maxDeadLetters, forgetting the oldest and counting them as dropped', async () => {
      const store = memoryQueue({ maxDeadLetters: 2 });
      const [a, b, c] = [makeEntry(), makeEntry(), makeEntry()];
      for (const e of [a, b, c]) await store.addDeadLetter(e, 'PERMANENT');
      expect(ids(await store.listDeadLetters())).to.deep.equal([b.id, c.id]);
      expect(await store.stats()).to.include({ deadLetters: 2, dropped: 1 });
      await store.close();
    });
  });

  describe('isolation', () => {
    it('hands out copies: changing a taken entry does not change the queued one', async () => {
      const store = memoryQueue({ now: clock });
      const e = makeEntry();
      await store.push(e);
      const [taken] = await store.take(1, 10);
      taken!.attempts = 99;
      taken!.lastError = 'changed';
      fake.advance(20);
      expect(await store.take(1, 10)).to.deep.equal([e]);
      await store.close();
    });
  });

  describe('cost', () => {
    it('pushes and drains 100 000 entries of distinct persons in batches of 100', async () => {
      const store = memoryQueue({ maxSize: 100_000 });
      for (let i = 0; i < 100_000; i++) await store.push(makeEntry({ personKey: `p${i}` }));
      let drained = 0;
      for (;;) {
        const batch = await store.take(100, 60_000);
        if (batch.length === 0) break;
        drained += batch.length;
        await store.ack(ids(batch));
      }
      expect(drained).to.equal(100_000);
      expect((await store.stats()).depth).to.equal(0);
      await store.close();
    });

    it('keeps serving other persons behind a blocked backlog (50 000 entries of one person behind a leased head)', async () => {
      const store = memoryQueue({ maxSize: 100_000, now: clock });
      for (let i = 0; i < 50_000; i++) await store.push(makeEntry({ personKey: 'busy' }));
      const others = [makeEntry({ personKey: 'x' }), makeEntry({ personKey: 'y' })];
      expect(await store.take(1, 60_000)).to.have.length(1);
      for (const e of others) await store.push(e);
      for (let i = 0; i < 2_000; i++) {
        const got = await store.take(100, 60_000);
        if (i === 0) expect(ids(got)).to.deep.equal(ids(others));
        else expect(got).to.deep.equal([]);
      }
      await store.close();
    });
  });
});

describe('memoryQueue: compact slots', () => {
  it('hands back event ids exactly, whether the arguments hold them or not', async () => {
    const store = memoryQueue();
    const base = { idempotencyKey: 'k', personKey: '', enqueuedAt: 1_000, attempts: 0 };
    const entries = [
      { ...base, id: '01A', operation: 'track', args: ['u', { name: 'n', id: 'E1' }], eventId: 'E1' },
      { ...base, id: '01B', operation: 'trackPageView', args: ['u', '/p', 'E2', 5], eventId: 'E2' },
      { ...base, id: '01C', operation: 'trackAnonymous', args: ['a', { name: 'n', id: 'X' }], eventId: 'E3' },
      { ...base, id: '01D', operation: 'identify', args: ['u', { a: 1 }] },
    ];
    for (const e of entries) await store.push(e);
    expect(await store.take(10, 60_000)).to.deep.equal(entries);
  });
});
