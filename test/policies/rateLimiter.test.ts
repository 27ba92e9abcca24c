import FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import { CioClosedError } from '../../src/errors/CioError.js';
import { rateLimiter, TokenBucket } from '../../src/policies/rateLimiter.js';

/** Settles a promise into a value without an unhandled rejection. */
function outcome(promise: Promise<void>): Promise<unknown> {
  return promise.then(
    () => 'taken',
    (error: unknown) => error,
  );
}

describe('TokenBucket', () => {
  describe('options', () => {
    it('rejects a perSecond that is not a finite number > 0, naming expected and actual', () => {
      expect(() => new TokenBucket({ perSecond: -1 })).to.throw(RangeError, 'rateLimit.perSecond must be a finite number > 0, got -1');
      expect(() => new TokenBucket({ perSecond: 0 })).to.throw(RangeError, /got 0$/);
      expect(() => new TokenBucket({ perSecond: Number.NaN })).to.throw(RangeError, /got NaN$/);
      expect(() => new TokenBucket({ perSecond: Number.POSITIVE_INFINITY })).to.throw(RangeError, /got Infinity$/);
      expect(() => new TokenBucket({ perSecond: '10' as unknown as number })).to.throw(RangeError, /got 10$/);
    });

    it('rejects a burst below 1 and a now that is not a function', () => {
      expect(() => new TokenBucket({ perSecond: 10, burst: 0 })).to.throw(RangeError, 'rateLimit.burst must be a finite number >= 1, got 0');
      expect(() => new TokenBucket({ perSecond: 10, now: 5 as unknown as () => number })).to.throw(TypeError, /rateLimit\.now must be a function/);
      expect(() => new TokenBucket(null as unknown as { perSecond: number })).to.throw(TypeError, /rateLimit must be an object, got null/);
    });

    it('defaults burst to one second of tokens, and at least 1', () => {
      expect(new TokenBucket({ perSecond: 50 }).burst).to.equal(50);
      expect(new TokenBucket({ perSecond: 0.1 }).burst).to.equal(1);
      expect(new TokenBucket({ perSecond: 50, burst: 5 }).burst).to.equal(5);
    });

    it('rateLimiter() builds a TokenBucket', () => {
      const bucket = rateLimiter({ perSecond: 3 });
      expect(bucket).to.be.instanceOf(TokenBucket);
      expect(bucket.perSecond).to.equal(3);
    });
  });

  describe('with an injected clock', () => {
    let time = 0;
    const now = (): number => time;
    beforeEach(() => {
      time = 0;
    });

    it('tryTake spends the burst, then refills at perSecond', () => {
      const bucket = new TokenBucket({ perSecond: 10, burst: 3, now });
      expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).to.deep.equal([true, true, true, false]);
      time = 99;
      expect(bucket.tryTake()).to.equal(false);
      time = 100;
      expect(bucket.tryTake()).to.equal(true);
      time = 10_000;
      expect(bucket.tryTake(3)).to.equal(true);
      expect(bucket.tryTake()).to.equal(false); // never more than burst, however long idle
    });

    it('waitMs says how long until n tokens are there', () => {
      const bucket = new TokenBucket({ perSecond: 4, burst: 2, now });
      expect(bucket.waitMs()).to.equal(0);
      expect(bucket.tryTake(2)).to.equal(true);
      expect(bucket.waitMs()).to.equal(250);
      expect(bucket.waitMs(2)).to.equal(500);
      time = 100;
      expect(bucket.waitMs()).to.equal(150);
    });

    it('rejects a token count that is not > 0 or exceeds the burst', async () => {
      const bucket = new TokenBucket({ perSecond: 4, burst: 2, now });
      expect(() => bucket.tryTake(3)).to.throw(RangeError, 'token count must be a finite number > 0 and <= burst (2), got 3');
      expect(() => bucket.waitMs(0)).to.throw(RangeError, /got 0/);
      expect(await outcome(bucket.take(Number.NaN))).to.be.instanceOf(RangeError);
    });
  });

  describe('take, on fake timers', () => {
    let clock: FakeTimers.Clock;
    beforeEach(() => {
      clock = FakeTimers.install();
    });
    afterEach(() => {
      clock.uninstall();
    });

    it('honours the rate: 1000 takes at 100/s take 9 s after a burst of 100, never ahead of burst + rate × t', async () => {
      const bucket = new TokenBucket({ perSecond: 100 });
      const grants: number[] = [];
      const all = Array.from({ length: 1_000 }, () => bucket.take().then(() => grants.push(clock.now)));
      await clock.tickAsync(0);
      expect(grants).to.have.length(100);
      await clock.tickAsync(4_500);
      expect(grants).to.have.length(550);
      await clock.tickAsync(5_500);
      await Promise.all(all);
      expect(grants).to.have.length(1_000);
      expect(grants.at(-1)).to.equal(9_000);
      grants.forEach((at, index) => {
        expect(index + 1, `grant ${index + 1} at ${at} ms`).to.be.at.most(100 + (100 * at) / 1_000);
      });
      expect(bucket.pending).to.equal(0);
      expect(clock.countTimers()).to.equal(0);
    });

    it('serves waiters first in, first out, even when a later one needs fewer tokens', async () => {
      const bucket = new TokenBucket({ perSecond: 1, burst: 2 });
      await bucket.take(2);
      const order: string[] = [];
      const big = bucket.take(2).then(() => order.push(`big@${clock.now}`));
      const small = bucket.take(1).then(() => order.push(`small@${clock.now}`));
      const last = bucket.take(1).then(() => order.push(`last@${clock.now}`));
      expect(bucket.pending).to.equal(3);

      await clock.tickAsync(1_000);
      expect(order, 'one token is there, but big is first in line').to.deep.equal([]);
      expect(bucket.tryTake(), 'tryTake does not jump the line').to.equal(false);
      await clock.tickAsync(4_000);
      await Promise.all([big, small, last]);
      expect(order).to.deep.equal(['big@2000', 'small@3000', 'last@4000']);
    });

    it('aborting a waiter rejects it with the reason and gives its place to the next', async () => {
      const bucket = new TokenBucket({ perSecond: 1, burst: 1 });
      expect(bucket.tryTake()).to.equal(true);
      const controller = new AbortController();
      const first = outcome(bucket.take(1, controller.signal));
      const second = bucket.take().then(() => clock.now);
      expect(bucket.pending).to.equal(2);

      await clock.tickAsync(400);
      const reason = new Error('request finished');
      controller.abort(reason);
      expect(await first).to.equal(reason);
      expect(bucket.pending).to.equal(1);
      await clock.tickAsync(600);
      expect(await second).to.equal(1_000);
      expect(clock.countTimers()).to.equal(0);
    });

    it('rejects at once for a signal that is already aborted, without queueing', async () => {
      const bucket = new TokenBucket({ perSecond: 1 });
      const reason = new Error('gone');
      expect(await outcome(bucket.take(1, AbortSignal.abort(reason)))).to.equal(reason);
      expect(bucket.pending).to.equal(0);
      expect(bucket.tryTake(), 'the token was not spent').to.equal(true);
    });

    it('close rejects every waiter with CLOSED, leaves no timer, and can be called twice', async () => {
      const bucket = new TokenBucket({ perSecond: 1, burst: 1 });
      await bucket.take();
      const controller = new AbortController();
      const waiting = [outcome(bucket.take()), outcome(bucket.take(1, controller.signal))];
      expect(bucket.pending).to.equal(2);
      expect(clock.countTimers()).to.equal(1);

      bucket.close();
      bucket.close();
      const errors = await Promise.all(waiting);
      for (const error of errors) {
        expect(error).to.be.instanceOf(CioClosedError);
        expect((error as CioClosedError).code).to.equal('CLOSED');
      }
      expect(bucket.pending).to.equal(0);
      expect(bucket.closed).to.equal(true);
      expect(clock.countTimers()).to.equal(0);
      controller.abort(); // the listener was removed: nothing happens
      expect(await outcome(bucket.take())).to.be.instanceOf(CioClosedError);
      expect(bucket.tryTake()).to.equal(false);
      expect(bucket.waitMs()).to.equal(Number.POSITIVE_INFINITY);
    });

    it('uses one unref()d timer, so waiting never keeps the process alive', async () => {
      const bucket = new TokenBucket({ perSecond: 10, burst: 1 });
      const handles: Array<{ hasRef(): boolean }> = [];
      const fakeSetTimeout = globalThis.setTimeout;
      globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
        const handle = fakeSetTimeout(...args);
        handles.push(handle);
        return handle;
      }) as typeof setTimeout;
      try {
        bucket.tryTake();
        const waiters = [bucket.take(), bucket.take(), bucket.take()];
        expect(clock.countTimers()).to.equal(1);
        await clock.tickAsync(300);
        await Promise.all(waiters);
      } finally {
        globalThis.setTimeout = fakeSetTimeout;
      }
      expect(handles.length).to.be.greaterThan(0);
      expect(handles.every((handle) => !handle.hasRef())).to.equal(true);
    });
  });
});
