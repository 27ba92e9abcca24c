/**
 * Memory per entry of the idempotency cache and the memory queue at 100 000 entries, measured as
 * the growth of the V8 heap plus ArrayBuffer memory (typed arrays keep their bytes outside the
 * heap) after full garbage collections (run with --expose-gc).
 * Targets: cache <= 400 bytes per entry; queue <= the payload's JSON size + 300 bytes per entry.
 */
import { ulid } from 'ulid';
import { lruIdempotencyStore, memoryQueue, type QueueEntry } from '../src/index.js';
// No public equivalent: the key the client derives for a call (the cache's entries must be real keys).
import { deriveIdempotencyKey } from '../src/idempotency/keys.js';
import { check, fmt, median, table, type Check, type Target } from './stats.js';

const N = 100_000;

export const MEMORY_TARGETS = {
  cache: { op: '<=', limit: 400, text: '400 bytes' },
  /** Bytes per queue entry beyond its payload's JSON size. */
  queueOverPayload: { op: '<=', limit: 300, text: '300 bytes' },
} as const satisfies Record<string, Target>;

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
    // ULIDs as the client makes them (it uses the same package, with a pooled random source).
    const id = ulid();
    const entry: QueueEntry = {
      id: ulid(),
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

/** Runs the memory benchmark and prints its figures. Returns its targets' outcomes. */
export async function benchMemory(runs = 3): Promise<Check[]> {
  const cache: number[] = [];
  const queue: number[] = [];
  let payload = 0;
  for (let i = 0; i < runs; i++) {
    cache.push(await cacheBytesPerEntry());
    const q = await queueBytesPerEntry();
    queue.push(q.perEntry);
    payload = q.payload;
  }
  const checks = [
    check('idempotency cache, bytes/entry', cache, MEMORY_TARGETS.cache),
    check('memory queue, bytes/entry beyond the payload', queue.map((q) => q - payload), MEMORY_TARGETS.queueOverPayload),
  ];
  table(`Memory at ${fmt(N)} entries (heap + ArrayBuffer growth after GC; ${runs} runs; median [min–max])`, [
    [checks[0]!.name, checks[0]!.text],
    [checks[1]!.name, `${checks[1]!.text}; ${fmt(median(queue))} bytes/entry in all for a ${fmt(payload)}-byte JSON payload`],
  ]);
  return checks;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchMemory();
}
