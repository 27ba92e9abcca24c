import { expect } from 'chai';
import { createCioClient } from '../../src/client/createCioClient.js';
import { normalizeOptions } from '../../src/client/options.js';
import { CREDS, SECRETS, harness } from '../support/harness.js';

describe('client: options', () => {
  it('reads credentials and region from the environment', () => {
    const o = normalizeOptions({}, {
      CUSTOMERIO_SITE_ID: 's', CUSTOMERIO_TRACK_API_KEY: 'k', CUSTOMERIO_APP_API_KEY: 'a', CUSTOMERIO_REGION: 'EU',
    });
    expect(o).to.include({ siteId: 's', apiKey: 'k', appApiKey: 'a', region: 'eu' });
  });

  it('prefers explicit options to the environment, and does not mutate them', () => {
    const input = Object.freeze({ siteId: 'x', apiKey: 'y', retry: Object.freeze({ maxAttempts: 2 }) });
    const o = normalizeOptions(input, { CUSTOMERIO_SITE_ID: 's', CUSTOMERIO_TRACK_API_KEY: 'k' });
    expect(o).to.include({ siteId: 'x', apiKey: 'y' });
    expect(o.retry).to.deep.equal({ maxAttempts: 2, initialDelayMs: 200, maxDelayMs: 5000, maxRetryAfterMs: 30000 });
  });

  const bad: Array<[string, object, RegExpConstructor | TypeErrorConstructor | RangeErrorConstructor, RegExp]> = [
    ['bad region', { region: 'apac' }, RangeError, /region must be 'us' or 'eu', got "apac"/],
    ['negative timeout', { timeoutMs: -1 }, RangeError, /timeoutMs must be a finite number >= 1, got -1/],
    ['string timeout', { timeoutMs: '5' }, TypeError, /timeoutMs must be .*got "5"/],
    ['zero maxAttempts', { retry: { maxAttempts: 0 } }, RangeError, /retry.maxAttempts must be a whole number >= 1, got 0/],
    ['maxDelay below initial', { retry: { initialDelayMs: 100, maxDelayMs: 10 } }, RangeError, /retry.maxDelayMs must be >= retry.initialDelayMs/],
    ['fractional threshold', { breaker: { threshold: 1.5 } }, RangeError, /breaker.threshold must be a whole number/],
    ['sampling threshold above 1', { breaker: { sampling: true, threshold: 2 } }, RangeError, /between 0 and 1/],
    ['zero rate', { rateLimit: { perSecond: 0 } }, RangeError, /rateLimit.perSecond must be a finite number > 0, got 0/],
    ['invalid URL', { trackUrl: 'not a url' }, TypeError, /trackUrl must be an absolute http\(s\) URL/],
    ['non-http URL', { appUrl: 'ftp://x/v1' }, TypeError, /appUrl must use http: or https:/],
    ['URL with credentials', { trackUrl: 'http://user:pw@127.0.0.1:1/api/v1' }, TypeError, /trackUrl must not contain a user name or password/],
    ['queue that is not a store', { queue: {} }, TypeError, /queue must be a queue store/],
    ['logger without warn', { logger: { info() {}, debug() {}, error() {} } }, TypeError, /logger.warn must be a function/],
    ['unknown delivery mode', { nonIdempotentDelivery: 'exactly-once' }, RangeError, /nonIdempotentDelivery/],
  ];
  for (const [name, extra, Err, message] of bad) {
    it(`throws a clear ${Err.name} for ${name}`, () => {
      expect(() => createCioClient({ ...CREDS, ...extra } as never)).to.throw(Err as never, message);
    });
  }

  it('requires siteId and apiKey, from options or the environment', () => {
    expect(() => normalizeOptions({ apiKey: 'k' }, {})).to.throw(TypeError, /siteId is required \(option siteId or env CUSTOMERIO_SITE_ID\)/);
    expect(() => normalizeOptions({ siteId: 's' }, {})).to.throw(TypeError, /apiKey is required/);
    expect(() => normalizeOptions({ siteId: 's', apiKey: 'k' }, {})).to.not.throw();
  });

  it('never shows a credential in an option error', () => {
    for (const extra of [{ timeoutMs: -1 }, { trackUrl: 'nope' }, { region: 'x' }]) {
      try {
        createCioClient({ ...CREDS, ...extra } as never);
        expect.fail('should have thrown');
      } catch (err) {
        for (const s of [...SECRETS, CREDS.siteId]) expect(String((err as Error).message)).to.not.include(s);
      }
    }
  });

  it('reports an unreachable URL without a retry storm: attempts bounded, then queued', async () => {
    const h = await harness();
    try {
      await h.emu.down();
      const cio = h.client({ retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 } });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => cio.identify(`u${i}`, {})));
      expect(results.every((r) => r.status === 'queued')).to.equal(true);
      // 5 consecutive failures open the breaker: far fewer than 20 × 2 attempts were made.
      const attempts = results.reduce((n, r) => n + r.attempts, 0);
      expect(attempts).to.be.at.most(20);
      expect(cio.health().circuit_state).to.equal('OPEN');
    } finally {
      await h.cleanup();
    }
  });
});
