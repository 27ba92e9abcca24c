import { bullmqQueue } from './src/stores/redis.js';
let t = Date.now();
const d = bullmqQueue({ connection: { host: '127.0.0.1', port: 1 }, name: 'dead', closeTimeoutMs: 500 });
const p = d.stats().then(() => 'ok', (e) => 'rejected: ' + e.message);
const c = d.close().then(() => console.log('closed', Date.now() - t));
await c;
console.log(await p);
