import type { CircuitStateName } from '../../src/index.js';
import type { Sample } from './meter.js';
import { ms } from './percentile.js';

/** The live view: log lines, and a status that refreshes in place on a terminal. */
export interface Display {
  /** Prints a line that stays (phase changes, circuit changes). */
  log(line: string): void;
  /** Shows a new sample: redraws the status on a terminal, else prints a plain line once per second. */
  update(sample: Sample): void;
  /** Sets the phase label shown in the status. */
  setPhase(label: string): void;
  /** Leaves the last status on screen and stops redrawing. */
  close(): void;
}

type Paint = (code: number, text: string) => string;

const CIRCUIT_COLOR: Record<CircuitStateName, number> = { CLOSED: 32, HALF_OPEN: 33, OPEN: 31, ISOLATED: 35 };

function bar(depth: number, width: number): string {
  // Logarithmic, so 10 and 1 000 waiting are both visible.
  const filled = depth <= 0 ? 0 : Math.min(width, Math.ceil((Math.log10(depth + 1) / 4) * width));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** A line that fits `width` columns (so redrawing never miscounts wrapped lines). */
function fit(line: string, width: number): string {
  const plain = line.replace(ANSI, '');
  return plain.length <= width ? line : `${plain.slice(0, width - 1)}…`;
}

/** The status block for a terminal (fits 80 columns). */
export function statusLines(s: Sample, phase: string, paint: Paint): string[] {
  const circuit = paint(CIRCUIT_COLOR[s.circuit], s.circuit.padEnd(9));
  return [
    `${paint(1, `${s.t.toFixed(1).padStart(5)} s`)}  ${paint(1, phase)}`,
    `  circuit  ${circuit}  queue ${String(s.depth).padStart(5)} ${bar(s.depth, 12)}  dead letters ${s.deadLetters}`,
    `  client   sent ${s.sent} · retries ${s.retries} · queued ${s.queued} · replayed ${s.replayed}`,
    `  app      ${String(s.requestRate).padStart(3)} req/s · p50 ${ms(s.p50)} · p99 ${ms(s.p99)} (last second)`,
    `  totals   accepted ${s.accepted} · delivered ${s.delivered} (${s.deliveryRate.toFixed(0)} op/s) · duplicates ${s.duplicates}`,
  ];
}

/** The status as one plain line (logs, CI, pipes). */
export function plainLine(s: Sample): string {
  return (
    `${s.t.toFixed(1).padStart(5)}s ${s.phase.padEnd(8)} circuit=${s.circuit.padEnd(9)} depth=${s.depth} sent=${s.sent} retries=${s.retries} queued=${s.queued} ` +
    `replayed=${s.replayed} dup=${s.duplicates} dead=${s.deadLetters} | app ${s.requestRate} req/s p50=${ms(s.p50)} p99=${ms(s.p99)} | ` +
    `accepted=${s.accepted} delivered=${s.delivered} (${s.deliveryRate.toFixed(0)} op/s)`
  );
}

/** A display on `out`: refreshing lines on a TTY, one plain line per second otherwise. */
export function createDisplay(out: NodeJS.WriteStream): Display {
  const tty = out.isTTY === true;
  const color = tty && process.env['NO_COLOR'] === undefined;
  const paint: Paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  let phase = '';
  let shown = 0; // status lines currently on screen
  let last: Sample | undefined;
  let lastPlain = -1;
  let closed = false;

  const clear = (): void => {
    if (shown > 0) out.write(`\x1b[${shown}A\x1b[0J`);
    shown = 0;
  };
  const draw = (): void => {
    if (!last || closed) return;
    const width = Math.max(40, (out.columns > 0 ? out.columns : 100) - 1);
    const lines = statusLines(last, phase, paint).map((l) => fit(l, width));
    out.write(`${lines.join('\n')}\n`);
    shown = lines.length;
  };

  return {
    log(line) {
      if (tty) clear();
      out.write(`${line}\n`);
      if (tty) draw();
    },
    update(sample) {
      last = sample;
      if (tty) {
        clear();
        draw();
      } else if (Math.floor(sample.t) > lastPlain) {
        lastPlain = Math.floor(sample.t);
        out.write(`${plainLine(sample)}\n`);
      }
    },
    setPhase(label) {
      phase = label;
    },
    close() {
      closed = true;
    },
  };
}
