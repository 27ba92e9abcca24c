/** Small helpers shared by the benchmarks: medians, ranges, targets, aligned output and the machine. */
import { availableParallelism, cpus, loadavg } from 'node:os';

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (nearest rank) of some numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Formats a number with a fixed number of decimals and thousands separators. */
export function fmt(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A figure over rounds: `median [min–max]`, with a unit after each number when given. */
export function spread(values: readonly number[], decimals = 0, unit = ''): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return `${fmt(median(values), decimals)}${unit} [${fmt(min, decimals)}–${fmt(max, decimals)}${unit}]`;
}

/** A target: a bound on a figure, the way it is printed, and whether a value meets it. */
export interface Target {
  readonly op: '<=' | '>=' | '<';
  readonly limit: number;
  /** How the limit is printed, e.g. `8 µs`; `fmt(limit)` by default. */
  readonly text?: string;
}

/** Whether `value` meets `target`. */
export function meets(value: number, target: Target): boolean {
  if (target.op === '<=') return value <= target.limit;
  if (target.op === '<') return value < target.limit;
  return value >= target.limit;
}

/** `target <= 8 µs: ok` or `target <= 8 µs: MISS`, for the median `value`. */
export function against(value: number, target: Target): string {
  return `target ${target.op} ${target.text ?? fmt(target.limit)}: ${meets(value, target) ? 'ok' : 'MISS'}`;
}

/** A figure over rounds against its target: `median [min–max] (target ...: ok|MISS)`. */
export function judged(values: readonly number[], target: Target, decimals = 0, unit = ''): string {
  return `${spread(values, decimals, unit)} (${against(median(values), target)})`;
}

/** A long name shortened for a table: at most `max` characters, the last one an ellipsis. */
export function clip(name: string, max = 72): string {
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}

/** Prints a titled table of rows. */
export function table(title: string, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

/** The machine and runtime the figures come from: CPU model, cores, Node version. */
export function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${model}, ${availableParallelism()} cores, Node ${process.version} (${process.platform}/${process.arch})`;
}

/** The 1, 5 and 15 minute load averages: figures taken under load are noisy. */
export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/** One target's outcome, for the summary at the end of `npm run bench`. */
export interface Check {
  /** What is measured, e.g. `own code per request-scoped call`. */
  readonly name: string;
  /** The figure against its target, as `judged` prints it. */
  readonly text: string;
  readonly ok: boolean;
}

/** A figure over rounds checked against its target. */
export function check(name: string, values: readonly number[], target: Target, decimals = 0, unit = ''): Check {
  return { name, text: judged(values, target, decimals, unit), ok: meets(median(values), target) };
}
