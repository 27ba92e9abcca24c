/** `npm run bench`: every benchmark, with figures and ratios against its baseline. */
import { benchDrain } from './drain.js';

console.log(`customerio-resilience benchmarks — Node ${process.version}, ${process.platform}/${process.arch}`);
const results: Array<[string, boolean]> = [];
results.push(['backlog drain', await benchDrain()]);
console.log('\nSummary');
for (const [name, ok] of results) console.log(`  ${ok ? 'ok  ' : 'MISS'}  ${name}`);
