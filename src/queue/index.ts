export type { QueueStore, QueueEntry, DeadLetter, QueueStats, PushOutcome } from './store.js';
export { memoryQueue, MEMORY_QUEUE_DEFAULTS } from './memoryQueue.js';
export type { MemoryQueueOptions } from './memoryQueue.js';
