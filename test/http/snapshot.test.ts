import { expect } from 'chai';
import { snapshotArgs } from '../../src/http/snapshot.js';
import { validateCall } from '../../src/operations/validateCall.js';
import { HOSTILE_VALUES, revoked, sharingBomb, THROWN, throwingGetter, throwingTrap } from '../support/hostileValues.js';

describe('http: the snapshot of a request-scoped call’s arguments', () => {
  it('deep-copies plain data: later changes by the handler do not reach the copy', () => {
    const data = { plan: 'pro', tags: ['a', { deep: [1, 2] }], nothing: null, gone: undefined };
    const args = ['u1', data];
    const copy = snapshotArgs(args);
    expect(copy).to.deep.equal(args);
    data.plan = 'free';
    (data.tags[1] as { deep: number[] }).deep.push(3);
    expect(copy[1]).to.deep.equal({ plan: 'pro', tags: ['a', { deep: [1, 2] }], nothing: null, gone: undefined });
    expect(Object.keys(copy[1] as object)).to.deep.equal(['plan', 'tags', 'nothing', 'gone']);
  });

  it('copies dates, cycles and own "__proto__" keys; hands over a Map (validation refuses it)', () => {
    const when = new Date('2026-01-02T03:04:05Z');
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic['self'] = cyclic;
    const fromJson = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>;
    const [d, m, c, j] = snapshotArgs([when, new Map([['k', 1]]), cyclic, fromJson]) as [Date, Map<string, number>, Record<string, unknown>, Record<string, unknown>];
    expect(d).to.be.instanceOf(Date).and.not.equal(when);
    expect(d.getTime()).to.equal(when.getTime());
    expect(m.get('k')).to.equal(1);
    expect(c['self']).to.equal(c);
    expect(Object.keys(j)).to.deep.equal(['__proto__', 'ok']);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    expect(Object.getPrototypeOf(j)).to.equal(Object.prototype);
  });

  it('hands over what it does not copy (a function, a toJSON(), a Proxy) as it is, and copies the rest', () => {
    const fn = (): number => 1;
    const money = { cents: 1250, toJSON: () => '12.50' };
    const proxy = new Proxy({ plan: 'pro' }, {});
    const data = { fn, money, proxy, list: [1, { a: 'b' }] };
    const copy = snapshotArgs(['u1', data]) as [string, typeof data];
    expect(copy[1]).not.to.equal(data);
    expect(copy[1].fn).to.equal(fn);
    expect(copy[1].money).to.equal(money);
    expect(copy[1].proxy).to.equal(proxy);
    expect(copy[1].list).to.deep.equal(data.list);
    expect(copy[1].list).not.to.equal(data.list);
    expect(JSON.stringify(copy)).to.equal(JSON.stringify(['u1', data]));
  });

  it('copies a class instance as the plain object JSON sends, unless it has a toJSON()', () => {
    class Point {
      constructor(readonly x: number, readonly y: number) {}
    }
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): string {
        return (this.cents / 100).toFixed(2);
      }
    }
    const money = new Money(1250);
    const [point, kept, bytes] = snapshotArgs([new Point(1, 2), money, Buffer.from('hi')]);
    expect(Object.getPrototypeOf(point)).to.equal(Object.prototype);
    expect(point).to.deep.equal({ x: 1, y: 2 });
    expect(kept).to.equal(money);
    expect(JSON.stringify(bytes)).to.equal(JSON.stringify(Buffer.from('hi')));
  });

  it('never throws on hostile input; whatever it hands back, validation refuses', () => {
    for (const [what, make] of HOSTILE_VALUES) {
      for (const args of [['u1', make()], ['u1', { attr: make() }], ['u1', { list: [1, { deep: make() }] }]]) {
        let copy: unknown[] = [];
        expect(() => (copy = snapshotArgs(args)), what).not.to.throw();
        expect(copy, what).to.have.length(2);
        const error = validateCall('identify', copy);
        expect(error?.code, `${what}: ${error?.message}`).to.equal('INVALID_INPUT');
        expect(error?.message).not.to.include(THROWN);
      }
    }
  });

  it('does not turn a Proxy into plain data (a direct call with it is refused too)', () => {
    const proxy = new Proxy({ plan: 'pro' }, {});
    const copy = snapshotArgs(['u1', { nested: proxy }]);
    expect((copy[1] as { nested: unknown }).nested).to.equal(proxy);
    expect(validateCall('identify', copy)?.field).to.equal('data.nested');
  });

  it('copies a getter that throws, a throwing or revoked Proxy, without running it twice or throwing', () => {
    let reads = 0;
    const counted = Object.defineProperty({}, 'x', { enumerable: true, get: () => (reads++, 1) });
    expect(snapshotArgs(['u1', counted])).to.deep.equal(['u1', { x: 1 }]);
    expect(reads).to.equal(1);
    for (const hostile of [throwingGetter(), throwingTrap('ownKeys'), throwingTrap('getPrototypeOf'), revoked(), revoked([1])]) {
      expect(() => snapshotArgs(['u1', hostile])).not.to.throw();
    }
  });

  it('copies an object shared many times over once; hands over data too large to copy', () => {
    const bomb = sharingBomb(40);
    const [, copy] = snapshotArgs(['u1', bomb]) as [string, unknown[]];
    expect(copy).not.to.equal(bomb);
    expect(copy[0]).to.equal(copy[1]);
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    const [, big] = snapshotArgs(['u1', sparse]) as [string, unknown[]];
    expect(big).to.equal(sparse);
    expect(validateCall('identify', ['u1', { big }])?.field).to.equal('data.big');
  });
});
