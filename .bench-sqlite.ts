import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteQueue } from './src/stores/sqlite.js';
import { makeEntry, ids } from './test/queue/entries.js';

for (const synchronous of ['normal', 'full'] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const store = sqliteQueue({ path: join(dir, 'q.db'), synchronous, maxSize: 1_000_000 });
  const n = synchronous === 'full' ? 2000 : 20000;
  const entries = Array.from({ length: n }, (_, i) => makeEntry({ personKey: `p${i}` }));
  let t = performance.now();
  for (const e of entries) await store.push(e);
  const pushMs = performance.now() - t;
  console.log(synchronous, 'push/s', Math.round(n / (pushMs / 1000)));
  t = performance.now();
  let k = 0;
  for (;;) { const b = await store.take(100, 60000); if (!b.length) break; k += b.length; await store.ack(ids(b)); await store.stats(); }
  console.log(synchronous, 'drain/s (take100+ack+stats)', Math.round(k / ((performance.now() - t) / 1000)));
  await store.close(); rmSync(dir, { recursive: true });
}
{
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const store = sqliteQueue({ path: join(dir, 'q.db'), maxSize: 1_000_000 });
  for (let i = 0; i < 50000; i++) await store.push(makeEntry({ personKey: 'busy' }));
  await store.take(1, 600000);
  for (let i = 0; i < 100; i++) await store.push(makeEntry({ personKey: `x${i}` }));
  const t = performance.now();
  for (let i = 0; i < 20; i++) await store.take(100, 60000);
  console.log('blocked backlog 50k: ms per take', ((performance.now() - t) / 20).toFixed(2));
  const t2 = performance.now(); for (let i = 0; i < 100; i++) await store.stats(); console.log('stats ms', ((performance.now() - t2) / 100).toFixed(3));
  await store.close(); rmSync(dir, { recursive: true });
}
