/**
 * The delivery promise, shown rather than claimed: for many random schedules, a client (on a memory,
 * SQLite or BullMQ queue) gets a random mix of calls, direct and request-scoped, with and without
 * keys, while the emulator follows a random fault schedule; after a generous close, the ledger must
 * hold (see ./ledger.ts).
 *
 * Seeded and reproducible:
 * - `FAULT_SEED` (default {@link DEFAULT_SEED}) and `FAULT_RUNS` (default 50) choose the schedules;
 * - a failure prints its seed and path: `FAULT_SEED=<seed> FAULT_PATH=<path>` replays that schedule
 *   alone (the timing of a real network still varies from run to run, so a race may need a few tries);
 * - `npx tsx test/property/survey.ts` runs many schedules without stopping and lists every kind of violation;
 * - `FAULT_SHRINK=1` lets fast-check shrink a failure to a smaller schedule (slow: each try is a run);
 * - `FAULT_VERBOSE=1` prints a summary of every run.
 */
import fc from 'fast-check';
import { schedule } from './arbitraries.js';
import { checkLedger, summarize } from './ledger.js';
import { runSchedule } from './runner.js';

const DEFAULT_SEED = 20_251_007;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new TypeError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return n;
}

const SEED = envInt('FAULT_SEED', DEFAULT_SEED);
const RUNS = envInt('FAULT_RUNS', 50);
const PATH = process.env['FAULT_PATH']?.trim() || undefined;
const SHRINK = process.env['FAULT_SHRINK'] === '1';
const VERBOSE = process.env['FAULT_VERBOSE'] === '1';
/** This file alone (a file named on the command line adds to .mocharc's spec instead of replacing it). */
const REPLAY_COMMAND = 'npx mocha --no-config --extension ts --node-option import=tsx --exit test/property/faultSchedule.test.ts';

describe('property: random fault schedules keep the delivery promise', function () {
  // A schedule takes well under a second; close() may take up to 10 s in a bad one.
  this.timeout(Math.max(120_000, RUNS * 5_000));

  it(`${PATH ? `replays schedule ${PATH} of` : `${RUNS} schedules,`} seed ${SEED}: accepted once, refused never, nothing unsettled, identify order kept`, async () => {
    const started = Date.now();
    let runs = 0;
    const property = fc.asyncProperty(schedule, async (s) => {
      runs++;
      const run = await runSchedule(s);
      const violations = checkLedger(run);
      if (VERBOSE) console.log(`      run ${runs}: ${violations.length} violation(s); ${summarize(run).replaceAll('\n', '; ')}`);
      if (violations.length > 0) {
        const shown = violations.slice(0, 12);
        throw new Error(
          [
            `${violations.length} violation(s) of the ledger:`,
            ...shown.map((v) => `  - ${v}`),
            ...(violations.length > shown.length ? [`  … and ${violations.length - shown.length} more`] : []),
            summarize(run),
            'trace:',
            ...run.trace.map((line) => `  ${line}`),
          ].join('\n'),
        );
      }
    });
    const details = await fc.check(property, {
      seed: SEED,
      numRuns: RUNS,
      endOnFailure: !SHRINK,
      ...(PATH === undefined ? {} : { path: PATH }),
    });
    console.log(`      fault schedules: seed ${SEED}, ${runs} run(s) in ${Date.now() - started} ms`);
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      const message = [
        `a fault schedule broke the promise (seed ${details.seed}, path ${details.counterexamplePath}, after ${details.numRuns} run(s))`,
        `replay it: FAULT_SEED=${details.seed} FAULT_PATH=${details.counterexamplePath} ${REPLAY_COMMAND}`,
        `schedule: ${JSON.stringify(details.counterexample?.[0])}`,
        cause,
      ].join('\n');
      const error = new Error(message);
      error.stack = message; // mocha prints the stack: keep it to the report
      throw error;
    }
  });
});
