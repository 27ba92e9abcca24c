import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createServer } from 'node:net';
import { bullmqQueue, redisIdempotencyStore } from '../../src/stores/redis.js';
import type { QueueEntry, QueueStore } from '../../src/queue/store.js';
import { eventually, ids, makeEntry, sleep } from '../support/entries.js';
import { describeQueueStore, expectRejection } from '../support/storeContract.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
/** Every key this run makes starts with it; all are deleted at the end. */
const PREFIX = `ciotest${process.pid}${Math.random().toString(36).slice(2, 6)}`;
let queueCounter = 0;
const queueName = (): string => `q${++queueCounter}`;

let admin: Redis;

/** A local port nothing listens on (taken from the OS, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Deletes every key matching `pattern`. */
async function deleteKeys(pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await admin.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

describe('customerio-resilience/redis (against Redis at 127.0.0.1:6379)', () => {
  before(async () => {
    admin = new Redis(REDIS);
    await admin.ping();
  });

  after(async () => {
    await deleteKeys(`${PREFIX}*`);
    await admin.quit();
  });

  describeQueueStore(
    'bullmqQueue',
    async (options = {}) => {
      const name = queueName();
      const store = bullmqQueue({ connection: REDIS, name, prefix: PREFIX, stalledIntervalMs: 50, ...options });
      return {
        store,
        cleanup: async () => {
          await store.close();
          await deleteKeys(`${PREFIX}:${name}:*`);
        },
      };
    },
    {
      now: Date.now,
      advance: sleep,
      shortLeaseMs: 300,
      shortDelayMs: 300,
      settleMs: 5_000,
      exactClock: false,
      retryKeepsPlaceAfterDelay: false,
    },
  );

  describe('bullmqQueue', () => {
    const open: QueueStore[] = [];
    /** A store on queue `name` with its own connection, as another app instance would have. */
    const instance = (name: string, extra: { stalledIntervalMs?: number; maxSize?: number } = {}): QueueStore => {
      const store = bullmqQueue({ connection: { ...REDIS }, name, prefix: PREFIX, stalledIntervalMs: 50, ...extra });
      open.push(store);
      return store;
    };

    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    describe('options', () => {
      it('checks its options eagerly, naming the option', () => {
        expect(() => bullmqQueue(undefined as never)).to.throw(TypeError, /connection and a name/);
        expect(() => bullmqQueue({ connection: REDIS } as never)).to.throw(TypeError, 'bullmqQueue: name must be a non-empty string, got undefined');
        expect(() => bullmqQueue({ connection: REDIS, name: 'a:b' })).to.throw(RangeError, /name must not contain ':', got "a:b"/);
        expect(() => bullmqQueue({ name: 'q' } as never)).to.throw(TypeError, /connection must be ioredis options or an ioredis instance, got undefined/);
        expect(() => bullmqQueue({ connection: 'redis://x' as never, name: 'q' })).to.throw(TypeError, /connection .* got "redis:\/\/x"/);
        expect(() => bullmqQueue({ connection: REDIS, name: 'q', maxSize: 0 })).to.throw(RangeError, /maxSize .* got 0/);
        expect(() => bullmqQueue({ connection: REDIS, name: 'q', stalledIntervalMs: 1 })).to.throw(RangeError, /stalledIntervalMs .* got 1/);
      });

      it('refuses an ioredis instance with a keyPrefix', async () => {
        const prefixed = new Redis({ ...REDIS, keyPrefix: 'x:', lazyConnect: true });
        expect(() => bullmqQueue({ connection: prefixed, name: 'q' })).to.throw(TypeError, /keyPrefix/);
        prefixed.disconnect();
      });

      it('refuses entry ids BullMQ cannot use as job ids', async () => {
        const store = instance(queueName());
        await expectRejection(store.push(makeEntry({ id: 'a:b' })), TypeError, /entry\.id .* got "a:b"/);
        await expectRejection(store.push(makeEntry({ id: '42' })), TypeError, /entry\.id .* got "42"/);
      });
    });

    describe('a fleet sharing one queue', () => {
      it('never hands the same entry to two instances taking at once', async () => {
        const name = queueName();
        const [a, b] = [instance(name), instance(name)];
        const entries = Array.from({ length: 300 }, (_, i) => makeEntry({ personKey: i % 3 === 0 ? '' : `p${i}` }));
        for (const e of entries) await a.push(e);
        const taken = { a: [] as QueueEntry[], b: [] as QueueEntry[] };
        const drain = async (store: QueueStore, into: QueueEntry[]): Promise<void> => {
          for (let empty = 0; empty < 3; ) {
            const got = await store.take(7, 60_000);
            into.push(...got);
            empty = got.length === 0 ? empty + 1 : 0;
          }
        };
        await Promise.all([drain(a, taken.a), drain(b, taken.b), drain(a, taken.a), drain(b, taken.b)]);
        const all = [...ids(taken.a), ...ids(taken.b)];
        expect(all).to.have.length(entries.length);
        expect(new Set(all).size).to.equal(entries.length);
        expect(taken.a.length).to.be.above(0);
        expect(taken.b.length).to.be.above(0);
      });

      it("keeps each person's order across instances", async () => {
        const name = queueName();
        const [a, b] = [instance(name), instance(name)];
        const [p1, p2, q1] = [makeEntry({ personKey: 'P' }), makeEntry({ personKey: 'P' }), makeEntry({ personKey: 'Q' })];
        for (const e of [p1, p2, q1]) await a.push(e);
        expect(ids(await a.take(1, 60_000))).to.deep.equal([p1.id]);
        expect(ids(await b.take(10, 60_000))).to.deep.equal([q1.id]);
        expect(await b.take(10, 60_000)).to.deep.equal([]);
        await a.ack([p1.id]);
        expect(ids(await eventually(() => b.take(10, 60_000), (got) => got.length > 0, 3_000))).to.deep.equal([p2.id]);
      });

      it('lets another instance have an entry once the lease of the one holding it runs out', async () => {
        const name = queueName();
        const [a, b] = [instance(name), instance(name)];
        const e = makeEntry({ personKey: 'P' });
        await a.push(e);
        expect(ids(await a.take(1, 300))).to.deep.equal([e.id]);
        expect(await b.take(1, 60_000)).to.deep.equal([]);
        const started = Date.now();
        const got = await eventually(() => b.take(1, 60_000), (list) => list.length > 0, 5_000);
        expect(got).to.deep.equal([e]);
        expect(Date.now() - started).to.be.at.least(200);
      });

      it('gives back the leases it holds when closed, at once', async () => {
        const name = queueName();
        const [a, b] = [instance(name), instance(name)];
        const e = makeEntry({ personKey: 'P' });
        await a.push(e);
        expect(ids(await a.take(1, 600_000))).to.deep.equal([e.id]);
        await a.close();
        expect(await b.take(1, 60_000)).to.deep.equal([e]);
      });

      it('removes the job of an acked or dead-lettered entry, keeping dead letters under the prefix', async () => {
        const name = queueName();
        const store = instance(name);
        const [x, y] = [makeEntry(), makeEntry()];
        await store.push(x);
        await store.push(y);
        expect(await admin.exists(`${PREFIX}:${name}:${x.id}`)).to.equal(1);
        await store.take(2, 60_000);
        await store.ack([x.id]);
        await store.deadLetter([y.id], 'PERMANENT: 400');
        expect(await admin.exists(`${PREFIX}:${name}:${x.id}`, `${PREFIX}:${name}:${y.id}`)).to.equal(0);
        expect(await admin.hexists(`${PREFIX}:${name}:_cio:dead`, y.id)).to.equal(1);
      });
    });

    describe('an unreachable Redis', () => {
    it('rejects calls after operationTimeoutMs and closes within closeTimeoutMs instead of hanging', async () => {
      const store = bullmqQueue({ connection: { ...REDIS, port: await deadPort() }, name: 'down', operationTimeoutMs: 300, closeTimeoutMs: 300 });
      const started = Date.now();
      await expectRejection(store.push(makeEntry()), Error, /did not answer within 300 ms/);
      await expectRejection(store.stats(), Error, /did not answer within 300 ms/);
      expect(Date.now() - started).to.be.below(2_000);
      const pending = store.take(1, 1_000);
      const closing = Date.now();
      await store.close();
      expect(Date.now() - closing).to.be.below(1_500);
      await expectRejection(pending, Error, /closed|did not answer/);
    });

    it('makes redisIdempotencyStore reject after its operationTimeoutMs', async () => {
      const store = redisIdempotencyStore({ connection: { ...REDIS, port: await deadPort() }, operationTimeoutMs: 200 });
      const started = Date.now();
      await expectRejection(Promise.resolve().then(() => store.reserve('k', 1_000)), Error, /did not answer within 200 ms/);
      expect(Date.now() - started).to.be.below(1_500);
      await store.close?.();
    });
  });

  describe('connections', () => {
      it('leaves an ioredis instance it was given open, and closes the ones it made', async () => {
        const tag = `${PREFIX}-conn`;
        // Connections of this test only: named after the tag, or BullMQ's blocking ones, named `<prefix>:…`.
        const ours = async (): Promise<number> =>
          String(await admin.client('LIST'))
            .split('\n')
            .filter((line) => / name=(\S+)/.exec(line)?.[1]?.startsWith(PREFIX) === true).length;
        const shared = new Redis({ ...REDIS, connectionName: tag });
        await shared.ping();
        expect(await ours()).to.equal(1);
        const store = bullmqQueue({ connection: shared, name: queueName(), prefix: PREFIX });
        await store.push(makeEntry());
        await store.take(1, 1_000);
        expect(await ours()).to.be.at.least(3);
        await store.close();
        expect(shared.status).to.equal('ready');
        expect(await shared.ping()).to.equal('PONG');
        expect(await eventually(ours, (n) => n === 1, 3_000)).to.equal(1);
        await shared.quit();

        const own = bullmqQueue({ connection: { ...REDIS, connectionName: tag }, name: queueName(), prefix: PREFIX });
        await own.push(makeEntry());
        await own.take(1, 1_000);
        expect(await ours()).to.be.at.least(3);
        await own.close();
        expect(await eventually(ours, (n) => n === 0, 3_000)).to.equal(0);
      });
    });
  });

  describe('redisIdempotencyStore', () => {
    const prefix = `${PREFIX}:idem`;

    it('reserves a key for exactly one of 50 concurrent callers', async () => {
      const stores = [redisIdempotencyStore({ connection: REDIS, prefix }), redisIdempotencyStore({ connection: REDIS, prefix })];
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 2]!.reserve('order-1', 60_000)));
      expect(results.filter(Boolean)).to.have.length(1);
      expect(await admin.exists(`${prefix}:order-1`)).to.equal(1);
      await Promise.all(stores.map((s) => s.close?.()));
    });

    it('forgets a key after its TTL, and at once on release', async () => {
      const store = redisIdempotencyStore({ connection: REDIS, prefix });
      expect(await store.reserve('k-ttl', 150)).to.equal(true);
      expect(await store.reserve('k-ttl', 150)).to.equal(false);
      const pttl = await admin.pttl(`${prefix}:k-ttl`);
      expect(pttl).to.be.within(1, 150);
      expect(await eventually(async () => store.reserve('k-ttl', 60_000), Boolean, 2_000)).to.equal(true);
      await store.release('k-ttl');
      expect(await store.reserve('k-ttl', 60_000)).to.equal(true);
      await store.close?.();
    });

    it('checks its options and the TTL, closes twice, and leaves a given instance open', async () => {
      expect(() => redisIdempotencyStore(undefined as never)).to.throw(TypeError, /connection/);
      expect(() => redisIdempotencyStore({ connection: 5 as never })).to.throw(TypeError, /connection .* got 5/);
      expect(() => redisIdempotencyStore({ connection: REDIS, prefix: '' })).to.throw(TypeError, /prefix .* got ""/);
      const shared = new Redis(REDIS);
      const store = redisIdempotencyStore({ connection: shared, prefix });
      expect(store.name).to.equal('redis');
      await expectRejection(Promise.resolve().then(() => store.reserve('k', 0)), RangeError, /ttlMs .* got 0/);
      await store.close?.();
      await store.close?.();
      await expectRejection(Promise.resolve().then(() => store.reserve('k', 1_000)), Error, /closed/);
      expect(await shared.ping()).to.equal('PONG');
      await shared.quit();
    });
  });
});
