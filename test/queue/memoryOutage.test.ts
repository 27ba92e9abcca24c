import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import { describeOutage } from './outageScenario.js';

describeOutage('memoryQueue', {
  operations: 200,
  store: async () => ({ store: memoryQueue({ maxSize: 1000 }), cleanup: async () => {} }),
});
