import FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import { handleAll, retry, type IRetryBackoffContext } from 'cockatiel';
import { CioHttpError } from '../../src/errors/CioError.js';
import { retryAfterBackoff, type RetryAfterBackoffOptions } from '../../src/policies/backoff.js';

const OPTIONS: RetryAfterBackoffOptions = { initialDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

function failure(attempt: number, error: unknown = new Error('boom')): IRetryBackoffContext<unknown> {
  return { attempt, signal: new AbortController().signal, result: { error } };
}

function rateLimited(retryAfterMs: number): CioHttpError {
  return new CioHttpError('TRANSIENT', 'Customer.io answered 429', true, { status: 429, retryAfterMs });
}

describe('retryAfterBackoff', () => {
  describe('options', () => {
    it('rejects a negative, non-finite or missing delay, naming the option', () => {
      expect(() => retryAfterBackoff({ ...OPTIONS, initialDelayMs: -1 })).to.throw(
        RangeError,
        'retry.initialDelayMs must be a finite number >= 0, got -1',
      );
      expect(() => retryAfterBackoff({ ...OPTIONS, maxDelayMs: Number.POSITIVE_INFINITY })).to.throw(RangeError, /retry\.maxDelayMs .* got Infinity/);
      expect(() => retryAfterBackoff({ ...OPTIONS, maxRetryAfterMs: Number.NaN })).to.throw(RangeError, /retry\.maxRetryAfterMs .* got NaN/);
      expect(() => retryAfterBackoff({ initialDelayMs: 100, maxDelayMs: 1_000 } as RetryAfterBackoffOptions)).to.throw(RangeError, /got undefined/);
    });

    it('rejects maxDelayMs below initialDelayMs', () => {
      expect(() => retryAfterBackoff({ ...OPTIONS, initialDelayMs: 500, maxDelayMs: 100 })).to.throw(
        RangeError,
        'retry.maxDelayMs must be >= retry.initialDelayMs (500), got 100',
      );
    });
  });

  describe('without Retry-After', () => {
    it('doubles the jitter envelope each attempt up to maxDelayMs', () => {
      const backoff = retryAfterBackoff({ ...OPTIONS, random: () => 0.5 });
      const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoff.next(failure(attempt)).duration);
      expect(delays).to.deep.equal([50, 100, 200, 400, 500, 500]);
    });

    it('uses full jitter: from 0 up to (not including) the envelope', () => {
      expect(retryAfterBackoff({ ...OPTIONS, random: () => 0 }).next(failure(3)).duration).to.equal(0);
      expect(retryAfterBackoff({ ...OPTIONS, random: () => 0.999_999 }).next(failure(3)).duration).to.equal(399);
      expect(retryAfterBackoff({ ...OPTIONS, random: () => 1 }).next(failure(3)).duration).to.equal(399);
    });

    it('keeps Math.random delays inside the envelope', () => {
      const backoff = retryAfterBackoff(OPTIONS);
      for (let attempt = 1; attempt <= 8; attempt++) {
        const ceiling = Math.min(1_000, 100 * 2 ** (attempt - 1));
        for (let i = 0; i < 50; i++) {
          const { duration } = backoff.next(failure(attempt));
          expect(duration).to.be.within(0, ceiling - 1);
        }
      }
    });

    it('backs off exponentially on a retried result value too', () => {
      const backoff = retryAfterBackoff({ ...OPTIONS, random: () => 0.5 });
      const context: IRetryBackoffContext<unknown> = { attempt: 2, signal: new AbortController().signal, result: { value: 'retry me' } };
      expect(backoff.next(context).duration).to.equal(100);
    });

    it('chains: each backoff gives the next one from its context', () => {
      const first = retryAfterBackoff({ ...OPTIONS, random: () => 0.5 }).next(failure(1));
      const second = first.next(failure(2));
      const third = second.next(failure(3, rateLimited(2_000)));
      expect([first.duration, second.duration, third.duration]).to.deep.equal([50, 100, 2_000]);
    });
  });

  describe('with Retry-After', () => {
    it("waits exactly what a CioError's retryAfterMs asks, whatever the attempt", () => {
      const backoff = retryAfterBackoff({ ...OPTIONS, random: () => 0 });
      expect(backoff.next(failure(1, rateLimited(2_500))).duration).to.equal(2_500);
      expect(backoff.next(failure(7, rateLimited(1))).duration).to.equal(1);
      expect(backoff.next(failure(2, rateLimited(0))).duration).to.equal(0);
    });

    it('caps the wait at maxRetryAfterMs', () => {
      const backoff = retryAfterBackoff(OPTIONS);
      expect(backoff.next(failure(1, rateLimited(60_000))).duration).to.equal(5_000);
      expect(backoff.next(failure(1, rateLimited(5_000))).duration).to.equal(5_000);
    });

    it('honours retryAfterMs on any error object', () => {
      const error = Object.assign(new Error('slow down'), { retryAfterMs: 1_200 });
      expect(retryAfterBackoff({ ...OPTIONS, random: () => 0 }).next(failure(1, error)).duration).to.equal(1_200);
      expect(retryAfterBackoff({ ...OPTIONS, random: () => 0 }).next(failure(1, { retryAfterMs: 700 })).duration).to.equal(700);
    });

    it('falls back to the exponential curve when retryAfterMs is absent or not a number', () => {
      const backoff = retryAfterBackoff({ ...OPTIONS, random: () => 0.5 });
      const noHeader = new CioHttpError('TRANSIENT', 'Customer.io answered 503', true, { status: 503 });
      expect(backoff.next(failure(2, noHeader)).duration).to.equal(100);
      expect(backoff.next(failure(2, { retryAfterMs: '3000' })).duration).to.equal(100);
      expect(backoff.next(failure(2, null)).duration).to.equal(100);
    });
  });

  describe("driving cockatiel's retry", () => {
    let clock: FakeTimers.Clock;
    beforeEach(() => {
      clock = FakeTimers.install();
    });
    afterEach(() => {
      clock.uninstall();
    });

    it('waits what Retry-After asks, then follows the exponential curve, and caps long Retry-After', async () => {
      const backoff = retryAfterBackoff({ initialDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000, random: () => 0.5 });
      // cockatiel's maxAttempts counts retries: 4 means up to 5 calls.
      const policy = retry(handleAll, { maxAttempts: 4, backoff });
      const failures: unknown[] = [rateLimited(3_000), new Error('reset'), new Error('reset'), rateLimited(60_000)];
      const calls: number[] = [];
      const delays: number[] = [];
      policy.onRetry(({ delay }) => delays.push(delay));

      const start = clock.now;
      const result = policy.execute(() => {
        calls.push(clock.now - start);
        const error = failures.shift();
        if (error !== undefined) throw error;
        return 'sent';
      });

      await clock.tickAsync(0);
      expect(calls).to.deep.equal([0]);
      await clock.tickAsync(2_999);
      expect(calls, 'must not retry before Retry-After elapses').to.deep.equal([0]);
      await clock.tickAsync(1);
      expect(calls).to.deep.equal([0, 3_000]);

      await clock.tickAsync(10_000);
      expect(await result).to.equal('sent');
      expect(delays).to.deep.equal([3_000, 100, 200, 5_000]);
      expect(calls).to.deep.equal([0, 3_000, 3_100, 3_300, 8_300]);
      expect(clock.countTimers()).to.equal(0);
    });

    it('gives up after maxAttempts retries with the last error', async () => {
      const backoff = retryAfterBackoff({ initialDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000, random: () => 0.5 });
      const policy = retry(handleAll, { maxAttempts: 2, backoff });
      let calls = 0;
      const result = policy.execute(() => {
        calls++;
        throw rateLimited(1_000);
      });
      const settled = result.then(
        () => 'resolved',
        (error: unknown) => error,
      );
      await clock.tickAsync(2_000);
      expect(await settled).to.be.instanceOf(CioHttpError);
      expect(calls).to.equal(3);
    });
  });
});
