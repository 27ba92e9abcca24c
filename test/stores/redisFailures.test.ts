/**
 * bullmqQueue when Redis fails: a push reports honestly whether it may still be stored
 * (`maybeQueued`), and nothing it gave up on is written later; after Redis restarts, or after
 * replies are lost on a dropped connection, the queue is taken from again at once, not behind
 * leases that no caller holds.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { QueueEntry, QueueStore } from '../../src/queue/store.js';
import { bullmqQueue } from '../../src/stores/redis.js';
import { ids, makeEntry, sleep } from '../support/entries.js';
import { hasRedisServer, redisChild, redisProxy, type RedisChild, type RedisProxy } from './redisChild.js';
import { REDIS, deleteRedisKeys, uniquePrefix } from '../support/storeKit.js';

type PushFailure = Error & { maybeQueued?: unknown };

/** Longest reconnect delay of the store's connections when the options set no retryStrategy (see reconnectDelay). */
const RECONNECT_MAX_MS = 2_000;
const OP_TIMEOUT_MS = 1_000;
/** The bound on resuming after Redis is back: a reconnect, a take that was waiting, and slack for a loaded machine. */
const RESUME_BOUND_MS = RECONNECT_MAX_MS + OP_TIMEOUT_MS + 1_500;

/** The rejection of `promise`, failing the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<PushFailure> {
  try {
    const value = await promise;
    expect.fail(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (err) {
    if ((err as Error).name === 'AssertionError') throw err;
    return err as PushFailure;
  }
}

/** Calls `take` until it returns something or `withinMs` passes; resolves what it got and when. */
async function takeUntilSome(store: QueueStore, withinMs: number): Promise<{ got: QueueEntry[]; at: number }> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const got = await store.take(100, 60_000).catch(() => [] as QueueEntry[]);
    if (got.length > 0 || Date.now() >= deadline) return { got, at: Date.now() };
    await sleep(50);
  }
}

/** Resolves once the store answers again (its connections are back). */
async function untilAnswering(store: QueueStore, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await store.stats();
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await sleep(50);
    }
  }
}

describe('bullmqQueue when Redis fails', function () {
  this.timeout(60_000);
  const open: QueueStore[] = [];
  const store = (connection: { host: string; port: number }, prefix: string, extra: object = {}): QueueStore => {
    const s = bullmqQueue({ connection, name: 'fail', prefix, operationTimeoutMs: OP_TIMEOUT_MS, closeTimeoutMs: 1_000, ...extra });
    open.push(s);
    return s;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  describe('on a redis-server of its own', () => {
    let redis: RedisChild;
    let admin: Redis;

    before(function () {
      if (!hasRedisServer()) this.skip();
    });

    beforeEach(async () => {
      redis = await redisChild({ appendonly: true });
      await redis.start();
      admin = new Redis({ ...redis.connection, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
      admin.on('error', () => undefined);
    });

    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      admin.disconnect();
      await redis?.cleanup();
    });

    /** Keys of the queue `prefix` in the child server. */
    const keysOf = async (prefix: string): Promise<string[]> => {
      if (admin.status !== 'ready') await admin.connect().catch(() => undefined);
      return admin.keys(`${prefix}:*`);
    };

    it('rejects a push while Redis is down with maybeQueued false, and never stores it later', async () => {
      const prefix = 'down';
      const s = store(redis.connection, prefix);
      await s.stats();
      await redis.kill();
      // Let the store's connections see the sockets close (loopback: at once).
      await sleep(500);
      const entries = Array.from({ length: 20 }, () => makeEntry());
      const failures = await Promise.all(entries.map((e) => rejectionOf(s.push(e))));

      await redis.start();
      await untilAnswering(s, 10_000);
      // Anything ioredis held back would have been sent on reconnect; give it time to land.
      await sleep(1_000);
      expect((await s.stats()).depth, 'pushes reported failed were stored later').to.equal(0);
      expect(await s.take(100, 60_000)).to.deep.equal([]);
      expect((await keysOf(prefix)).filter((k) => entries.some((e) => k.includes(e.id)))).to.deep.equal([]);
      for (const err of failures) {
        expect(err).to.be.instanceOf(Error);
        expect(err.maybeQueued, err.message).to.equal(false);
        expect(err.message).to.match(/not stored/);
      }
    });

    it('does not store later a push it gave up on while Redis did not answer (frozen)', async () => {
      const prefix = 'frozen';
      const s = store(redis.connection, prefix);
      await s.stats();
      redis.freeze();
      const e = makeEntry();
      const started = Date.now();
      const err = await rejectionOf(s.push(e));
      expect(Date.now() - started).to.be.below(OP_TIMEOUT_MS + 1_000);
      expect(err.message).to.match(/did not answer within/);

      redis.thaw();
      await untilAnswering(s, 10_000);
      await sleep(500);
      expect((await s.stats()).depth, 'the push reported failed was stored later').to.equal(0);
      expect(await keysOf(prefix)).to.not.include(`${prefix}:fail:${e.id}`);
      // Its size check was sent, never its write: nothing of it can be stored.
      expect(err.maybeQueued).to.equal(false);
      // And the store works again.
      expect(await s.push(makeEntry())).to.equal('queued');
      expect((await s.stats()).depth).to.equal(1);
    });

    it('takes a queued entry again promptly after Redis restarts, whatever takes did meanwhile', async () => {
      const prefix = 'restart';
      // The stalled check is left at its default: prompt recovery must not depend on it.
      const s = store(redis.connection, prefix);
      const entries = Array.from({ length: 5 }, () => makeEntry({ personKey: 'P' }));
      for (const e of entries) expect(await s.push(e)).to.equal('queued');
      await redis.kill();

      // A drainer keeps trying while Redis is away (each take gives up after operationTimeoutMs).
      let draining = true;
      let failed = 0;
      const drainer = (async () => {
        while (draining) {
          await s.take(100, 60_000).then(
            (got) => expect(got, 'nothing can be taken while Redis is down').to.deep.equal([]),
            () => failed++,
          );
          await sleep(200);
        }
      })();
      await sleep(3_000);
      draining = false;
      await drainer;
      expect(failed).to.be.above(0);

      await redis.start();
      const restarted = Date.now();
      const { got, at } = await takeUntilSome(s, 15_000);
      const resumedMs = at - restarted;
      console.log(`      resumed ${resumedMs} ms after the restart (bound ${RESUME_BOUND_MS} ms)`);
      expect(ids(got), 'the first entry of the person is taken again').to.deep.equal([entries[0]!.id]);
      expect(resumedMs).to.be.at.most(RESUME_BOUND_MS);
      // Nothing else is held by a take that was given up on: the person's next one follows its ack.
      await s.ack([entries[0]!.id]);
      expect(ids((await takeUntilSome(s, 5_000)).got)).to.deep.equal([entries[1]!.id]);
      expect((await s.stats()).depth).to.equal(4);
    });
  });

  it('says maybeQueued false for a push refused before anything was sent (invalid entry, closed store)', async () => {
    const prefix = uniquePrefix('fail');
    try {
      const s = store(REDIS, prefix);
      const invalid = await rejectionOf(s.push(makeEntry({ id: 'a:b' })));
      expect(invalid).to.be.instanceOf(TypeError);
      expect(invalid.maybeQueued).to.equal(false);
      await s.close();
      const closed = await rejectionOf(s.push(makeEntry()));
      expect(closed.message).to.match(/closed/);
      expect(closed.maybeQueued).to.equal(false);
    } finally {
      await deleteRedisKeys(prefix);
    }
  });

  describe('through a proxy that loses replies (shared Redis)', () => {
    let proxy: RedisProxy;
    let prefix: string;
    let admin: Redis;

    beforeEach(async () => {
      proxy = await redisProxy(REDIS);
      prefix = uniquePrefix('fail');
      admin = new Redis(REDIS);
    });

    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      await proxy.close();
      await deleteRedisKeys(prefix);
      await admin.quit();
    });

    it('rejects with maybeQueued true when the write reached Redis but its reply was lost', async () => {
      const s = store(proxy.connection, prefix);
      await s.stats();
      const e = makeEntry();
      proxy.interceptRepliesAfter(e.id, 'lose');
      const err = await rejectionOf(s.push(e));
      expect(err.message).to.match(/did not answer within .*may be queued/);
      expect(err.maybeQueued).to.equal(true);
      // Indeed it was stored.
      expect(await admin.exists(`${prefix}:fail:${e.id}`)).to.equal(1);
    });

    it('gives back at once a lease whose take lost its reply on a dropped connection', async () => {
      const s = store(proxy.connection, prefix);
      const e = makeEntry({ personKey: 'P' });
      expect(await s.push(e)).to.equal('queued');
      // The fetch (BullMQ's moveToActive, whose request names `lockDuration`) runs, its reply is lost.
      proxy.interceptRepliesAfter('lockDuration', 'lose');
      await rejectionOf(s.take(1, 60_000));
      expect(await admin.lrange(`${prefix}:fail:active`, 0, -1)).to.deep.equal([e.id]);
      proxy.dropConnections();

      const dropped = Date.now();
      const { got, at } = await takeUntilSome(s, 15_000);
      const resumedMs = at - dropped;
      console.log(`      taken again ${resumedMs} ms after the connection dropped (bound ${RESUME_BOUND_MS} ms)`);
      expect(ids(got)).to.deep.equal([e.id]);
      expect(resumedMs).to.be.at.most(RESUME_BOUND_MS);
    });

    it('gives back what a take fetched after giving up on it (late replies), for any instance to take', async () => {
      const s = store(proxy.connection, prefix);
      const other = store(REDIS, prefix);
      const e = makeEntry({ personKey: 'P' });
      expect(await s.push(e)).to.equal('queued');
      // Redis is slow, not gone: the fetch runs but its reply comes after the take gave up.
      proxy.interceptRepliesAfter('lockDuration', 'hold');
      await rejectionOf(s.take(1, 60_000));
      expect(await other.take(1, 60_000)).to.deep.equal([]);
      proxy.releaseHeld();

      const released = Date.now();
      const { got, at } = await takeUntilSome(other, 10_000);
      console.log(`      another instance took it ${at - released} ms after the late reply`);
      expect(ids(got)).to.deep.equal([e.id]);
      expect(at - released).to.be.at.most(OP_TIMEOUT_MS + 1_000);
    });
  });
});
