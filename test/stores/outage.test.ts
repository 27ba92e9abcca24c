import { join } from 'node:path';
import { sqliteQueue } from '../../src/stores/sqlite.js';
import { bullmqQueue } from '../../src/stores/redis.js';
import { describeOutage } from '../queue/outageScenario.js';
import { REDIS, deleteRedisKeys, tempDir, uniquePrefix } from './storeTestKit.js';

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
