import { expect } from 'chai';
import { deriveIdempotencyKey, stableStringify } from '../../src/idempotency/keys.js';
import { lruIdempotencyStore } from '../../src/stores/memory/lruIdempotencyStore.js';
import { isUlid, newEventId } from '../../src/idempotency/eventId.js';

describe('idempotency: LRU store', () => {
  it('reserves a key once until its TTL passes (fake clock)', () => {
    let now = 1_000;
    const store = lruIdempotencyStore({ max: 10, perf: { now: () => now } });
    expect(store.reserve('k', 100)).to.equal(true);
    expect(store.reserve('k', 100)).to.equal(false);
    now += 99;
    expect(store.reserve('k', 100)).to.equal(false);
    now += 2;
    expect(store.reserve('k', 100)).to.equal(true);
  });

  it('is bounded: the least recently used key goes first', () => {
    const store = lruIdempotencyStore({ max: 2 });
    store.reserve('a', 60_000);
    store.reserve('b', 60_000);
    store.reserve('c', 60_000);
    expect(store.size?.()).to.equal(2);
    expect(store.reserve('a', 60_000)).to.equal(true);
    expect(store.reserve('c', 60_000)).to.equal(false);
  });

  it('release forgets a key', () => {
    const store = lruIdempotencyStore();
    store.reserve('a', 60_000);
    store.release('a');
    expect(store.reserve('a', 60_000)).to.equal(true);
  });

  it('validates max', () => {
    expect(() => lruIdempotencyStore({ max: 0 })).to.throw(RangeError, /idempotency.max must be a whole number >= 1, got 0/);
  });
});

describe('idempotency: keys and event ids', () => {
  it('derives the same key whatever the key order, and a different one for other values', () => {
    const a = deriveIdempotencyKey('identify', ['u1', { a: 1, b: { c: 2, d: [1, 2] } }]);
    const b = deriveIdempotencyKey('identify', ['u1', { b: { d: [1, 2], c: 2 }, a: 1 }]);
    const c = deriveIdempotencyKey('identify', ['u1', { a: 2, b: { c: 2, d: [1, 2] } }]);
    expect(a).to.equal(b);
    expect(a).to.not.equal(c);
    expect(a.startsWith('identify:')).to.equal(true);
  });

  it('never puts attribute values in the key', () => {
    const key = deriveIdempotencyKey('identify', ['u1', { email: 'secret@example.com' }]);
    expect(key).to.not.include('secret');
  });

  it('ignores trailing undefined arguments', () => {
    expect(deriveIdempotencyKey('identify', ['u1', undefined])).to.equal(deriveIdempotencyKey('identify', ['u1']));
  });

  it('writes strings and names exactly as JSON.stringify does (escapes, lone surrogates, long strings)', () => {
    const strings = ['', 'plain', 'q"uote', 'back\\slash', 'nl\n', '\u0001\u001f', 'é€', '\u2028', '😀', '\ud800', 'x\udc00', 'a'.repeat(65) + '"', 'a'.repeat(200)];
    for (const s of strings) {
      expect(stableStringify(s), JSON.stringify(s)).to.equal(JSON.stringify(s));
      expect(stableStringify({ [s]: s })).to.equal(JSON.stringify({ [s]: s }));
    }
    // Sorted at every depth, otherwise JSON.
    expect(stableStringify({ b: [1, 'x', null, true], a: { d: 'é', c: undefined } })).to.equal('{"a":{"d":"é"},"b":[1,"x",null,true]}');
  });

  it('copes with values JSON cannot hold', () => {
    const cyc: Record<string, unknown> = { a: 1 };
    cyc['self'] = cyc;
    expect(() => stableStringify({ n: 10n, f: () => 1, cyc })).to.not.throw();
  });

  it('makes ULIDs that sort by creation', () => {
    const ids = Array.from({ length: 1000 }, () => newEventId());
    expect(ids.every(isUlid)).to.equal(true);
    expect([...ids].sort()).to.deep.equal(ids);
    expect(new Set(ids).size).to.equal(1000);
  });
});
