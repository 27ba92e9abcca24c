import { join } from 'node:path';
import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import { sqliteQueue } from '../../src/stores/sqlite.js';
import { bullmqQueue } from '../../src/stores/redis.js';
import { describeOutage } from '../support/outageScenario.js';
import { REDIS, deleteRedisKeys, tempDir, uniquePrefix } from '../support/storeKit.js';

// The same outage, for every store.
describeOutage('memoryQueue', {
  operations: 200,
  store: async () => ({ store: memoryQueue({ maxSize: 1000 }), cleanup: async () => {} }),
});

describeOutage('sqliteQueue', {
  operations: 200,
  store: async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'queue.db');
    return {
      store: sqliteQueue({ path }),
      reopen: async () => sqliteQueue({ path }),
      cleanup: async () => tmp.remove(),
    };
  },
});

describeOutage('bullmqQueue', {
  operations: 200,
  store: async () => {
    const prefix = uniquePrefix('out');
    return {
      store: bullmqQueue({ connection: REDIS, name: 'outage', prefix }),
      reopen: async () => bullmqQueue({ connection: REDIS, name: 'outage', prefix }),
      cleanup: () => deleteRedisKeys(prefix),
    };
  },
});
