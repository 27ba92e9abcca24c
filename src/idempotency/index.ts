export * from './store.js';
export * from './lruStore.js';
export * from './keys.js';
export * from './eventId.js';
