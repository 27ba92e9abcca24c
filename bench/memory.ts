/**
 * Memory per entry of the idempotency cache and the memory queue at 100 000 entries, measured as
 * the growth of the V8 heap plus ArrayBuffer memory (typed arrays keep their bytes outside the
 * heap) after full garbage collections (run with --expose-gc).
 * Targets: cache <= 400 bytes per entry; queue <= the payload's JSON size + 300 bytes per entry.
 */
import { deriveIdempotencyKey } from '../src/idempotency/keys.js';
import { lruIdempotencyStore } from '../src/stores/memory/lruIdempotencyStore.js';
import { newEventId } from '../src/idempotency/eventId.js';
import { memoryQueue } from '../src/stores/memory/memoryQueue.js';
import type { QueueEntry } from '../src/queue/store.js';
import { fmt, median, table, verdict } from './stats.js';

const N = 100_000;

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

async function cacheBytesPerEntry(): Promise<number> {
  const before = heap();
  const store = lruIdempotencyStore({ max: N });
  for (let i = 0; i < N; i++) store.reserve(deriveIdempotencyKey('track', [`person-${i}`, { name: 'e', data: { i } }]), 86_400_000);
  const after = heap();
  if (store.size?.() !== N) throw new Error('cache did not hold every key');
  return (after - before) / N;
}

async function queueBytesPerEntry(): Promise<{ perEntry: number; payload: number }> {
  let payload = 0;
  const before = heap();
  const store = memoryQueue({ maxSize: N });
  for (let i = 0; i < N; i++) {
    const id = newEventId();
    const entry: QueueEntry = {
      id: newEventId(),
      operation: 'track',
      args: [`person-${i % 5000}`, { name: 'page_viewed', data: { path: `/products/${i}`, ref: 'newsletter' }, id }],
      idempotencyKey: deriveIdempotencyKey('track', [`person-${i}`, i]),
      personKey: `person-${i % 5000}`,
      enqueuedAt: Date.now(),
      attempts: 0,
      eventId: id,
    };
    payload += JSON.stringify(entry.args).length;
    const outcome = await store.push(entry);
    if (outcome !== 'queued') throw new Error('queue refused an entry');
  }
  const after = heap();
  // Keep the store alive past the measurement.
  if ((await store.stats()).depth !== N) throw new Error('queue did not hold every entry');
  return { perEntry: (after - before) / N, payload: payload / N };
}

/** Runs the memory benchmark and prints its figures. Returns whether the targets are met. */
export async function benchMemory(runs = 3): Promise<boolean> {
  const cache: number[] = [];
  const queue: number[] = [];
  let payload = 0;
  for (let i = 0; i < runs; i++) {
    cache.push(await cacheBytesPerEntry());
    const q = await queueBytesPerEntry();
    queue.push(q.perEntry);
    payload = q.payload;
  }
  const c = median(cache);
  const q = median(queue);
  table(`Memory at ${fmt(N)} entries (heap + ArrayBuffer growth after GC; median of ${runs})`, [
    ['idempotency cache', `${fmt(c)} bytes/entry (target <= 400: ${verdict(c <= 400)})`],
    ['memory queue', `${fmt(q)} bytes/entry for a ${fmt(payload)}-byte JSON payload = payload + ${fmt(q - payload)} (target <= payload + 300: ${verdict(q - payload <= 300)})`],
  ]);
  return c <= 400 && q - payload <= 300;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchMemory();
}
