import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { memoryQueue, type QueueStore } from '../../src/index.js';
import type { StoreName } from './options.js';

/** The client's fallback queue for the run, and how to tidy up after it. */
export interface DemoStore {
  queue: QueueStore;
  /** Where it lives, for the reader. */
  where: string;
  /** Removes what the run left (after the client closed the queue). */
  cleanup(): Promise<void>;
}

/** A fresh SQLite file in the output folder (loaded only when chosen: better-sqlite3 is an optional peer). */
async function sqlite(outDir: string): Promise<DemoStore> {
  const path = join(outDir, 'queue.sqlite');
  const files = [path, `${path}-wal`, `${path}-shm`];
  await Promise.all(files.map((f) => rm(f, { force: true })));
  const { sqliteQueue } = await import('../../src/stores/sqlite.js');
  return { queue: sqliteQueue({ path }), where: path, cleanup: async () => void (await Promise.all(files.map((f) => rm(f, { force: true })))) };
}

/** A BullMQ queue under its own name on Redis, deleted at the end (BullMQ and ioredis are optional peers). */
async function redis(url: string, runId: string): Promise<DemoStore> {
  const { Redis } = await import('ioredis');
  const u = new URL(url);
  const connection = {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: Number(u.pathname.slice(1) || 0),
  };
  const admin = new Redis({ ...connection, lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 1, retryStrategy: () => null });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    await admin.ping();
  } catch {
    admin.disconnect();
    throw new Error(`--store=redis: no Redis answers at ${u.host} (start one, e.g. \`docker run -p 6379:6379 redis\`, or pass --redis=URL)`);
  }
  const { bullmqQueue } = await import('../../src/stores/redis.js');
  const prefix = 'cio-demo';
  const name = `demo-${runId}`;
  return {
    queue: bullmqQueue({ connection, name, prefix }),
    where: `redis://${u.host} (BullMQ queue ${prefix}:${name})`,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:${name}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await admin.del(...keys);
      } while (cursor !== '0');
      await admin.quit();
    },
  };
}

/** Opens the queue the command line asked for. */
export async function openStore(name: StoreName, outDir: string, redisUrl: string, runId: string): Promise<DemoStore> {
  if (name === 'sqlite') return sqlite(outDir);
  if (name === 'redis') return redis(redisUrl, runId);
  return { queue: memoryQueue({ maxSize: 50_000 }), where: 'process memory', cleanup: async () => undefined };
}
