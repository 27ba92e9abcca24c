import { expect } from 'chai';
import { MinHeap } from '../../../src/stores/memory/heap.js';
import { Scheduler } from '../../../src/stores/memory/scheduler.js';
import { SlotTable } from '../../../src/stores/memory/slots.js';
import { makeEntry } from '../../support/entries.js';

function drain(heap: MinHeap<string>): string[] {
  const out: string[] = [];
  while (heap.pop((value) => out.push(value)));
  return out;
}

describe('MinHeap', () => {
  it('pops values in key order whatever the push order', () => {
    const heap = new MinHeap<string>();
    const keys = Array.from({ length: 500 }, (_, i) => (i * 7919) % 500);
    for (const k of keys) heap.push(k, `v${k}`, 0);
    expect(heap.peekKey()).to.equal(0);
    expect(drain(heap)).to.deep.equal(Array.from({ length: 500 }, (_, i) => `v${i}`));
    expect(heap.peekKey()).to.equal(Number.POSITIVE_INFINITY);
  });

  it('filters items and still pops in key order', () => {
    const heap = new MinHeap<string>();
    for (let k = 20; k > 0; k--) heap.push(k, `v${k}`, k % 2);
    heap.filter((_, ticket) => ticket === 0);
    expect(heap.size).to.equal(10);
    expect(drain(heap)).to.deep.equal([2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((k) => `v${k}`));
  });
});

describe('Scheduler', () => {
  it('skips withdrawn slots and sweeps stale items once they outnumber live ones', () => {
    const slots = new SlotTable(10);
    const scheduler = new Scheduler(slots);
    let now = 0;
    for (let round = 0; round < 5_000; round++) {
      const slot = slots.add(makeEntry(), round);
      scheduler.schedule(slot, now);
      const taken: number[] = [];
      scheduler.take(1, now, (s) => {
        taken.push(slots.seq[s]!);
        slots.readyAt[s] = now + 3_600_000;
        scheduler.schedule(s, now);
      });
      expect(taken).to.deep.equal([round]);
      scheduler.unschedule(slot);
      slots.delete(slot);
      scheduler.compact(0);
      now++;
    }
    expect(scheduler.size).to.be.at.most(1_024);
    let more = 0;
    scheduler.take(10, now + 7_200_000, () => more++);
    expect(more).to.equal(0);
  });
});
