/**
 * `npm start`: the outage demo. Starts a local Customer.io emulator, the Express example app with
 * `cioMiddleware`, `cioHealthRouter` and the operations console (`cioConsoleRouter` at
 * `/ops/customerio/`, for requests from this machine only; its URL is printed at the start), and
 * a traffic generator; then scripts a story (healthy, Customer.io failing, a full outage,
 * recovery) and shows live the circuit, the queue and the app's own latency. It ends with a ledger of every operation the app took on and writes a chart
 * to `demo-output/run.svg`. Exit code 0 only when nothing was lost or duplicated.
 *
 * `npm start -- --store=sqlite` (or `redis`) uses a durable queue; `--fast` shortens the story.
 * The parts live in `examples/demo/`.
 */
import { parseDemoArgs, USAGE } from './demo/options.js';
import { runDemo } from './demo/run.js';

/** The story is bounded; this only guards against a bug that would keep the process waiting. */
const WATCHDOG_MS = 90_000;

let args: ReturnType<typeof parseDemoArgs>;
try {
  args = parseDemoArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
}
if (args === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

setTimeout(() => {
  process.stderr.write(`demo: still running after ${WATCHDOG_MS / 1000} s; giving up\n`);
  process.exit(1);
}, WATCHDOG_MS).unref();

try {
  process.exitCode = await runDemo(args);
} catch (err) {
  // An option that cannot work (`--store=redis` without Redis) says so in one line; anything else shows its stack.
  const message = err instanceof Error ? (err.message.startsWith('--') ? err.message : (err.stack ?? err.message)) : String(err);
  process.stderr.write(`demo failed: ${message}\n`);
  process.exitCode = 1;
}
// Everything is closed by now; do not let a straggling socket or timer hold the exit.
setTimeout(() => process.exit(), 1000).unref();
