import { bullmqQueue } from './src/stores/redis.js';
import { makeEntry } from './test/queue/entries.js';
let t = Date.now();
const d = bullmqQueue({ connection: { host: '127.0.0.1', port: 1 }, name: 'dead', closeTimeoutMs: 500 });
const p = d.stats().then(() => 'ok', (e) => 'rejected: ' + e.message);
const q = d.push(makeEntry()).then(() => 'ok', (e) => 'rejected: ' + e.message);
console.log(await Promise.race([p, new Promise((r) => setTimeout(() => r('still pending'), 25000))]), Date.now() - t);
console.log(await Promise.race([q, new Promise((r) => setTimeout(() => r('still pending'), 100))]), Date.now() - t);
await d.close();
