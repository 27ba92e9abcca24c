import FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import { capRetryAfter, parseRetryAfter } from '../../src/policies/retryAfter.js';

const NOW = Date.UTC(1994, 10, 6, 8, 49, 0); // Sun, 06 Nov 1994 08:49:00 GMT

describe('parseRetryAfter', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('120', NOW)).to.equal(120_000);
    expect(parseRetryAfter('0', NOW)).to.equal(0);
    expect(parseRetryAfter(' 3 ', NOW)).to.equal(3_000);
  });

  it('reads decimal seconds', () => {
    expect(parseRetryAfter('1.5', NOW)).to.equal(1_500);
    expect(parseRetryAfter('0.25', NOW)).to.equal(250);
  });

  it('turns a negative delay into 0', () => {
    expect(parseRetryAfter('-5', NOW)).to.equal(0);
  });

  it('reads an IMF-fixdate as the time left until it', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).to.equal(37_000);
  });

  it('reads the obsolete RFC 850 and asctime forms', () => {
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).to.equal(37_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', NOW)).to.equal(37_000);
  });

  it('turns a date in the past into 0', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:48:00 GMT', NOW)).to.equal(0);
  });

  it('returns undefined when there is no header', () => {
    expect(parseRetryAfter(undefined, NOW)).to.equal(undefined);
    expect(parseRetryAfter(null, NOW)).to.equal(undefined);
    expect(parseRetryAfter('', NOW)).to.equal(undefined);
    expect(parseRetryAfter('   ', NOW)).to.equal(undefined);
  });

  it('returns undefined for values it does not understand', () => {
    for (const value of ['soon', '1e3', '0x10', '5s', 'hello 2', 'Sun, 31 Feb 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 25:00:00 GMT', 'Sun, 06 Foo 1994 08:49:37 GMT']) {
      expect(parseRetryAfter(value, NOW), value).to.equal(undefined);
    }
  });

  it('uses the current time by default', () => {
    const clock = FakeTimers.install({ now: NOW });
    try {
      expect(parseRetryAfter('Sun, 06 Nov 1994 08:50:00 GMT')).to.equal(60_000);
    } finally {
      clock.uninstall();
    }
  });
});

describe('capRetryAfter', () => {
  it('keeps a delay within the cap', () => {
    expect(capRetryAfter(1_000, 30_000)).to.equal(1_000);
    expect(capRetryAfter(30_000, 30_000)).to.equal(30_000);
  });

  it('lowers a delay above the cap to the cap', () => {
    expect(capRetryAfter(120_000, 30_000)).to.equal(30_000);
  });

  it('never returns a negative delay or NaN', () => {
    expect(capRetryAfter(-1, 30_000)).to.equal(0);
    expect(capRetryAfter(Number.NaN, 30_000)).to.equal(0);
    expect(capRetryAfter(5_000, -1)).to.equal(0);
  });
});
