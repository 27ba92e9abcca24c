/**
 * A survey of the fault schedules (a script, not a test): runs `FAULT_RUNS` schedules of `FAULT_SEED`
 * without stopping at the first failure, and prints each kind of violation once, with how often it
 * came up and the first run that showed it (replay that one with
 * `FAULT_SEED=<seed> FAULT_PATH=<path> npx mocha …/faultSchedule.test.ts`).
 *
 *   FAULT_SEED=7 FAULT_RUNS=300 npx tsx test/property/survey.ts
 */
import fc from 'fast-check';
import { schedule } from './arbitraries.js';
import { checkLedger, summarize } from './ledger.js';
import { runSchedule } from './runner.js';

const seed = Number(process.env['FAULT_SEED'] ?? 20_251_007);
const numRuns = Number(process.env['FAULT_RUNS'] ?? 100);

/** A violation without its call list, ids, keys and numbers, so that one kind reads the same in every run. */
const kindOf = (violation: string): string =>
  violation
    .split(' #')[0]!
    .replace(/\bh\d+:\S+/g, 'K')
    .replace(/\b[dskh]\d+\b/g, 'X')
    .replace(/\bp\d(@example\.com)?/g, 'P')
    .replace(/\d+/g, 'N');

const kinds = new Map<string, { count: number; path: number; example: string }>();
let path = 0;
const started = Date.now();
await fc.check(
  fc.asyncProperty(schedule, async (s) => {
    const run = await runSchedule(s);
    for (const violation of checkLedger(run)) {
      const kind = kindOf(violation);
      const seen = kinds.get(kind);
      if (seen) seen.count++;
      else kinds.set(kind, { count: 1, path, example: `${violation}\n${summarize(run)}\n${run.trace.join('\n')}` });
    }
    path++;
    return true;
  }),
  { seed, numRuns },
);
console.log(`seed ${seed}: ${path} run(s) in ${Date.now() - started} ms, ${kinds.size} kind(s) of violation`);
for (const [kind, { count, path: at, example }] of kinds) {
  console.log(`\n=== ${count}× ${kind}\n    first: FAULT_SEED=${seed} FAULT_PATH=${at}\n${example}`);
}
process.exit(0);
