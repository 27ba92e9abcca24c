/**
 * `npm run bench`: every benchmark, each figure as the median over rounds with its range and target;
 * method and latest figures in bench/README.md.
 */
import { benchClientOverhead } from './clientOverhead.js';
import { benchDrain } from './drain.js';
import { benchHostOverhead } from './hostOverhead.js';
import { benchMemory } from './memory.js';
import { benchSqliteEnqueue } from './sqliteEnqueue.js';
import { load, machine, type Check } from './stats.js';

console.log(`customerio-resilience benchmarks — ${machine()}; load average ${load()}`);
const started = performance.now();
const results: Array<[string, Check[], number]> = [];
async function run(name: string, bench: () => Promise<Check[]>): Promise<void> {
  const t = performance.now();
  const checks = await bench();
  results.push([name, checks, (performance.now() - t) / 1000]);
}

// Memory first, while the heap holds nothing else.
await run('memory per entry (idempotency cache, memory queue)', () => benchMemory());
await run('backlog drain after an outage', () => benchDrain());
await run('client overhead vs bare SDK', () => benchClientOverhead());
await run('host overhead (Express, healthy and hanging)', () => benchHostOverhead());
await run('durable enqueue into sqliteQueue', () => benchSqliteEnqueue());

console.log(`\nSummary (${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${load()})`);
for (const [name, checks, seconds] of results) {
  console.log(`  ${name} (${seconds.toFixed(0)} s)`);
  const width = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) console.log(`    ${c.ok ? 'ok  ' : 'MISS'}  ${c.name.padEnd(width)}  ${c.text}`);
}
