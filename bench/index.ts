/** `npm run bench`: every benchmark, with medians over several runs and ratios against its baseline. */
import { benchClientOverhead } from './clientOverhead.js';
import { benchDrain } from './drain.js';
import { benchHostOverhead } from './hostOverhead.js';
import { benchMemory } from './memory.js';
import { benchSqliteEnqueue } from './sqliteEnqueue.js';
import { load, machine } from './stats.js';

console.log(`customerio-resilience benchmarks — ${machine()}; load average ${load()}`);
const started = performance.now();
const results: Array<[string, boolean, number]> = [];
async function run(name: string, bench: () => Promise<boolean>): Promise<void> {
  const t = performance.now();
  const ok = await bench();
  results.push([name, ok, (performance.now() - t) / 1000]);
}

// Memory first, while the heap holds nothing else.
await run('memory per entry (idempotency cache, memory queue)', () => benchMemory());
await run('backlog drain after an outage', () => benchDrain());
await run('client overhead vs bare SDK', () => benchClientOverhead());
await run('host overhead (Express, healthy and hanging)', () => benchHostOverhead());
await run('durable enqueue into sqliteQueue', () => benchSqliteEnqueue());

console.log(`\nSummary (${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${load()})`);
for (const [name, ok, seconds] of results) console.log(`  ${ok ? 'ok  ' : 'MISS'}  ${name} (${seconds.toFixed(0)} s)`);
