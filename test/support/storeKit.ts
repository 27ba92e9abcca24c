/** Shared set-up for the client-level tests of the durable stores: temp SQLite files, Redis names. */
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Redis every machine of this project runs (CI starts it too). */
export const REDIS = Object.freeze({ host: '127.0.0.1', port: 6379 });

/** A fresh folder for SQLite files, and a function that removes it. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cio-store-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A key prefix unique to this process and call, so tests never share Redis keys. */
export function uniquePrefix(tag: string): string {
  return `ciot${tag}${process.pid}${Math.random().toString(36).slice(2, 7)}`;
}

/** Deletes every Redis key under `prefix`. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const admin = new Redis(REDIS);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await admin.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await admin.quit();
  }
}
