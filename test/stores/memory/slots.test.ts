import { expect } from 'chai';
import { newEventId } from '../../../src/idempotency/eventId.js';
import { deriveIdempotencyKey } from '../../../src/idempotency/keys.js';
import { memoryQueue } from '../../../src/stores/memory/memoryQueue.js';
import { pack, unpack, withLastError, type PackedFields } from '../../../src/stores/memory/packed.js';
import { NONE, SlotTable } from '../../../src/stores/memory/slots.js';
import { packUlid, unpackUlid } from '../../../src/stores/memory/ulid.js';
import type { QueueEntry } from '../../../src/queue/store.js';
import { ids, makeEntry } from '../../support/entries.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The 128-bit value of a ULID, computed the slow way. */
function ulidValue(id: string): bigint {
  let value = 0n;
  for (const c of id) value = value * 32n + BigInt(ALPHABET.indexOf(c));
  return value;
}

describe('memory queue: ULID packing', () => {
  it('packs canonical ULIDs into four big-endian words and back, exactly', () => {
    const words = new Uint32Array(8);
    const samples = ['00000000000000000000000000', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ', '01ARZ3NDEKTSV4RRFFQ69G5FAV'];
    for (let i = 0; i < 2_000; i++) samples.push(newEventId(i * 1_000_003));
    for (const id of samples) {
      expect(packUlid(id, words, 4)).to.equal(true);
      const value = words.slice(4).reduce((acc, w) => (acc << 32n) | BigInt(w), 0n);
      expect(value).to.equal(ulidValue(id));
      expect(unpackUlid(words, 4)).to.equal(id);
    }
  });

  it('leaves ids that are not canonical ULIDs alone', () => {
    const words = new Uint32Array(4);
    for (const id of ['', 'e-1', '8ZZZZZZZZZZZZZZZZZZZZZZZZZ', '01arz3ndektsv4rrffq69g5fav', '01ARZ3NDEKTSV4RRFFQ69G5FAI', '01ARZ3NDEKTSV4RRFFQ69G5FA', '01ARZ3NDEKTSV4RRFFQ69G5FAVV', '01ARZ3NDEKTSV4RRFFQ69G5FAÜ']) {
      expect(packUlid(id, words, 0), id).to.equal(false);
    }
  });
});

describe('memory queue: packed text', () => {
  const cases: PackedFields[] = [
    { operation: 'track', args: ['u', { name: 'n', id: 'E1' }], idempotencyKey: deriveIdempotencyKey('track', ['u', 1]), eventId: 'E1' },
    { operation: 'track', args: ['u', { name: 'n', id: 'E1' }], idempotencyKey: 'track:', eventId: 'E2', lastError: '12:34' },
    { operation: 'trackPageView', args: ['u', '/p', 'E3', 5], idempotencyKey: 'trackPageView', eventId: 'E3' },
    { operation: 'op:with:colons', args: [], idempotencyKey: 'op:with:colons:x', lastError: '' },
    { operation: '9', args: [null, 1.5, 'a:b\n"ü€😀'], idempotencyKey: '', eventId: '' },
    { operation: 'identify', args: ['ü', { a: [1, { b: '7:x' }] }], idempotencyKey: '3:abc', lastError: 'TIMEOUT: ü\n2' },
  ];

  it('round-trips every field, whatever characters the fields hold', () => {
    for (const fields of cases) expect(unpack(pack(fields))).to.deep.equal(fields);
  });

  it('replaces the last error and keeps everything else', () => {
    for (const fields of cases) {
      const text = withLastError(pack(fields), 'NEW: 5:x');
      expect(unpack(text)).to.deep.equal({ ...fields, lastError: 'NEW: 5:x' });
      expect(unpack(withLastError(text, ''))).to.deep.equal({ ...fields, lastError: '' });
    }
  });

  it('does not store a derived key twice, nor an event id the arguments hold', () => {
    const id = newEventId();
    const fields = { operation: 'track', args: ['u', { name: 'n', id }], idempotencyKey: deriveIdempotencyKey('track', ['u']), eventId: id };
    expect(pack(fields).length).to.equal(JSON.stringify(fields.args).length + 1 + '5:track'.length + '32:'.length + 32);
  });
});

describe('memory queue: slot table', () => {
  const entry = (id: string): QueueEntry => makeEntry({ id });

  it('finds entries by id across growth, deletes and reuse, for ULIDs and other ids alike', () => {
    const table = new SlotTable(5_000);
    const held = new Map<string, number>();
    const fresh = (i: number): string => (i % 3 === 0 ? `id-${i}` : i % 3 === 1 ? newEventId() : newEventId().toLowerCase());
    for (let i = 0; i < 5_000; i++) {
      const id = fresh(i);
      held.set(id, table.add(entry(id), i));
    }
    let i = 0;
    for (const [id, slot] of held) {
      if (i++ % 2 === 0) continue;
      table.delete(slot);
      held.delete(id);
    }
    for (let j = 0; j < 2_500; j++) {
      const id = fresh(j + 5_000);
      held.set(id, table.add(entry(id), j + 5_000));
    }
    expect(table.size).to.equal(held.size);
    for (const [id, slot] of held) {
      expect(table.find(id)).to.equal(slot);
      expect(table.id(slot)).to.equal(id);
    }
    expect(table.find('missing')).to.equal(NONE);
    expect(table.find(newEventId())).to.equal(NONE);
  });

  it('grows no further than its limit and shrinks back once emptied', () => {
    const table = new SlotTable(3_000);
    const slots = Array.from({ length: 3_000 }, () => table.add(makeEntry(), 0));
    expect(table.capacity).to.equal(3_000);
    for (const slot of slots) table.delete(slot);
    table.clear();
    expect(table.capacity).to.equal(64);
    const id = newEventId();
    expect(table.find(id)).to.equal(NONE);
    expect(table.find(table.id(table.add(entry(id), 1)))).to.not.equal(NONE);
  });
});

describe('memoryQueue: ids of every kind', () => {
  it('keeps a ULID, the same ULID in lowercase and a plain id apart', async () => {
    const store = memoryQueue();
    const ulid = newEventId();
    const entries = [makeEntry({ id: ulid }), makeEntry({ id: ulid.toLowerCase() }), makeEntry({ id: 'plain' })];
    for (const e of entries) expect(await store.push(e)).to.equal('queued');
    expect(await store.push(makeEntry({ id: ulid }))).to.equal('queued');
    expect((await store.stats()).depth).to.equal(3);
    const taken = await store.take(10, 60_000);
    expect(taken).to.deep.equal(entries);
    await store.ack([ulid.toLowerCase()]);
    await store.retry([ulid], 0, 'E: x');
    await store.deadLetter(['plain'], 'PERMANENT');
    expect(ids(await store.take(10, 60_000))).to.deep.equal([ulid]);
    expect((await store.stats()).depth).to.equal(1);
    expect(ids(await store.listDeadLetters())).to.deep.equal(['plain']);
    await store.close();
  });

  it('works the same after emptying and filling again', async () => {
    const store = memoryQueue({ maxSize: 3_000 });
    for (let round = 0; round < 3; round++) {
      const entries = Array.from({ length: 2_000 }, (_, i) => makeEntry({ id: newEventId(), personKey: `p${i % 7}` }));
      for (const e of entries) await store.push(e);
      const seen: QueueEntry[] = [];
      for (;;) {
        const batch = await store.take(100, 60_000);
        if (batch.length === 0) break;
        seen.push(...batch);
        await store.ack(ids(batch));
      }
      expect(seen).to.have.deep.members(entries);
      expect(await store.stats()).to.include({ depth: 0, oldestAgeMs: 0 });
    }
    await store.close();
  });
});
