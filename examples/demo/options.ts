import { parseArgs } from 'node:util';

/** Which fallback queue the demo's client uses. */
export type StoreName = 'memory' | 'sqlite' | 'redis';

/** What the command line asked for. */
export interface DemoOptions {
  /** Fallback queue: the embedded memory default, a SQLite file, or BullMQ on Redis. */
  store: StoreName;
  /** Shorter phases (for the test suite). */
  fast: boolean;
  /** Folder for the chart, the client's log and (with `--store=sqlite`) the queue file. */
  outDir: string;
  /** HTTP requests per second the traffic generator sends to the app. */
  rate: number;
  /** Redis URL for `--store=redis`. */
  redisUrl: string;
}

export const USAGE = `usage: npm start -- [--store=memory|sqlite|redis] [--fast] [--rate=N] [--out=DIR] [--redis=URL]

  --store   fallback queue of the client (default: memory)
  --fast    shorter phases (about 12 s instead of about 35 s)
  --rate    HTTP requests per second sent to the app (default: 30)
  --out     folder for run.svg and client.log (default: demo-output)
  --redis   Redis for --store=redis (default: REDIS_URL, else redis://127.0.0.1:6379)`;

const STORES: readonly StoreName[] = ['memory', 'sqlite', 'redis'];

/** Reads the command line; throws a `TypeError` with the usage for anything it does not know. */
export function parseDemoArgs(argv: readonly string[]): DemoOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      store: { type: 'string', default: 'memory' },
      fast: { type: 'boolean', default: false },
      rate: { type: 'string', default: '30' },
      out: { type: 'string', default: 'demo-output' },
      redis: { type: 'string', default: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const store = values.store as StoreName;
  if (!STORES.includes(store)) throw new TypeError(`--store must be one of ${STORES.join(', ')}, got ${JSON.stringify(values.store)}`);
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate < 1 || rate > 500) throw new RangeError(`--rate must be a number from 1 to 500, got ${JSON.stringify(values.rate)}`);
  return { store, fast: values.fast, outDir: values.out, rate, redisUrl: values.redis };
}
