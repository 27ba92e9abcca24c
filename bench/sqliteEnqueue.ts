/**
 * Durable enqueue: operations per second into `sqliteQueue` from one process, each push its own
 * committed transaction (WAL, synchronous=NORMAL: survives SIGKILL). Measured twice: pushes straight
 * into the store, and whole client calls while the circuit is open (validate, idempotency, ULID,
 * push: what an app sees during an outage). Target: at least 5 000 operations/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { createCioClient, silentLogger } from '../src/index.js';
import { sqliteQueue } from '../src/stores/sqlite.js';
import { check, fmt, spread, table, type Check, type Target } from './stats.js';

const N = 10_000;

export const SQLITE_TARGETS = {
  clientRate: { op: '>=', limit: 5_000, text: '5,000 ops/s' },
} as const satisfies Record<string, Target>;

async function storeRate(dir: string, run: number): Promise<number> {
  const store = sqliteQueue({ path: join(dir, `store-${run}.db`) });
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const id = ulid();
    await store.push({
      id,
      operation: 'track',
      args: [`person-${i % 1000}`, { name: 'page_viewed', data: { i }, id }],
      idempotencyKey: `track:${i}`,
      personKey: `person-${i % 1000}`,
      enqueuedAt: Date.now(),
      attempts: 0,
      eventId: id,
    });
  }
  const rate = N / ((performance.now() - started) / 1000);
  await store.close();
  return rate;
}

async function clientRate(dir: string, run: number): Promise<number> {
  const cio = createCioClient({
    siteId: 's',
    apiKey: 'k',
    trackUrl: 'http://127.0.0.1:9/api/v1', // never reached: the circuit is held open
    logger: silentLogger,
    queue: sqliteQueue({ path: join(dir, `client-${run}.db`) }),
    drain: { enabled: false },
  });
  cio.isolate();
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const r = await cio.track(`person-${i % 1000}`, { name: 'page_viewed', data: { i } });
    if (r.status !== 'queued') throw new Error(`expected queued, got ${r.status}`);
  }
  const rate = N / ((performance.now() - started) / 1000);
  await cio.close({ timeoutMs: 0 });
  return rate;
}

/** Runs the durable enqueue benchmark and prints its figures. Returns its target's outcome. */
export async function benchSqliteEnqueue(runs = 3): Promise<Check[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cio-bench-'));
  try {
    const store: number[] = [];
    const client: number[] = [];
    for (let i = 0; i < runs; i++) {
      store.push(await storeRate(dir, i));
      client.push(await clientRate(dir, i));
    }
    const checks = [check('sqliteQueue: client call while the circuit is open, ops/s', client, SQLITE_TARGETS.clientRate)];
    table(`Durable enqueue into sqliteQueue (${fmt(N)} operations, one commit each; ${runs} runs; median [min–max])`, [
      ['store.push', `${spread(store)} ops/s (information)`],
      ['client call while the circuit is open', `${checks[0]!.text}`],
    ]);
    return checks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchSqliteEnqueue();
}
