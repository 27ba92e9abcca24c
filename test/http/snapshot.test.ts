import { expect } from 'chai';
import { snapshotArgs } from '../../src/http/snapshot.js';

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

  it('copies what is not plain data as structuredClone does: dates, maps, cycles, own "__proto__" keys', () => {
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

  it('throws for what cannot be copied (a function), as structuredClone does', () => {
    expect(() => snapshotArgs(['u1', { fn: () => 1 }])).to.throw(/could not be cloned/);
  });
});
