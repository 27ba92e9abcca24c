/** The fallback queue of one schedule: memory, a temp SQLite file, or a BullMQ queue of its own in the shared Redis. */
import { join } from 'node:path';
import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import type { QueueStore } from '../../src/queue/store.js';
import { bullmqQueue } from '../../src/stores/redis.js';
import { sqliteQueue } from '../../src/stores/sqlite.js';
import { deleteRedisKeys, tempDir, uniquePrefix } from '../support/storeKit.js';
import type { StoreKind } from './arbitraries.js';

/** BullMQ connection options (BullMQ workers want `maxRetriesPerRequest: null`). */
const REDIS_CONNECTION = Object.freeze({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });

/** A store and how to remove what it left behind (after the client closed it). */
export interface ScheduleStore {
  readonly store: QueueStore;
  cleanup(): Promise<void>;
}

/** A fresh store of `kind`, sharing nothing with other schedules. */
export function makeStore(kind: StoreKind): ScheduleStore {
  switch (kind) {
    case 'memory':
      return { store: memoryQueue(), cleanup: async () => undefined };
    case 'sqlite': {
      const tmp = tempDir();
      return { store: sqliteQueue({ path: join(tmp.dir, 'queue.db') }), cleanup: async () => tmp.remove() };
    }
    case 'bullmq': {
      const prefix = uniquePrefix('prop');
      return {
        store: bullmqQueue({ connection: REDIS_CONNECTION, name: 'faultSchedule', prefix }),
        cleanup: () => deleteRedisKeys(prefix),
      };
    }
  }
}
