import type { CircuitStateName } from '../../src/index.js';
import type { Sample, Transition } from './meter.js';

/** What the chart shows. */
export interface ChartInput {
  title: string;
  /** A line under the panels (the ledger in short). */
  footer: string;
  samples: readonly Sample[];
  transitions: readonly Transition[];
  /** When each phase started, seconds. */
  phases: ReadonlyArray<{ name: string; t: number }>;
}

interface Series {
  label: string;
  color: string;
  value: (s: Sample, prev: Sample | undefined) => number;
  dash?: string;
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const W = 960;
const LEFT = 64;
const RIGHT = 24;
const TOP = 56;
const PANEL_H = 130;
const GAP = 44;
const BAND: Partial<Record<CircuitStateName, string>> = { OPEN: '#e5484d', HALF_OPEN: '#f5a524', ISOLATED: '#8e4ec6' };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const finite = (v: number): number => (Number.isFinite(v) ? v : 0);

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

const acceptedRate = (s: Sample, prev: Sample | undefined): number => (prev ? (s.accepted - prev.accepted) / Math.max(0.05, s.t - prev.t) : 0);

const PANELS: Panel[] = [
  { title: 'Fallback queue depth', unit: 'operations', series: [{ label: 'waiting in the queue', color: '#0b68cb', value: (s) => s.depth }] },
  {
    title: 'Operations per second',
    unit: 'op/s',
    series: [
      { label: 'accepted by the app', color: '#8b8d98', value: acceptedRate, dash: '4 3' },
      { label: 'delivered to Customer.io', color: '#29a383', value: (s) => s.deliveryRate },
    ],
  },
  {
    title: "The app's own latency (last second)",
    unit: 'ms',
    series: [
      { label: 'p50', color: '#b0a4e3', value: (s) => finite(s.p50) },
      { label: 'p99', color: '#6e56cf', value: (s) => finite(s.p99) },
    ],
  },
];

/** A self-contained SVG: queue depth, delivery rate and app latency over time, circuit state as shaded bands. */
export function chartSvg(input: ChartInput): string {
  const tMax = Math.max(1, ...input.samples.map((s) => s.t));
  const plotW = W - LEFT - RIGHT;
  const H = TOP + PANELS.length * (PANEL_H + GAP) + 40;
  const x = (t: number): number => LEFT + (t / tMax) * plotW;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="16" font-weight="600">${esc(input.title)}</text>`,
  );
  // Legend of the bands.
  let lx = LEFT;
  const seen = new Set(input.transitions.map((tr) => tr.state));
  for (const [state, color] of Object.entries(BAND)) {
    if (!seen.has(state as CircuitStateName)) continue;
    out.push(`<rect x="${lx}" y="32" width="12" height="10" fill="${color}" fill-opacity="0.3"/>`, `<text x="${lx + 16}" y="41">circuit ${state}</text>`);
    lx += 40 + state.length * 8 + 50;
  }
  out.push(`<text x="${lx}" y="41" fill="#666">(no shade: CLOSED)</text>`);
  // Circuit bands, from the transitions (CLOSED at the start).
  const bands: string[] = [];
  const changes = [{ t: 0, state: 'CLOSED' as CircuitStateName }, ...input.transitions];
  changes.forEach((c, i) => {
    const color = BAND[c.state];
    const end = changes[i + 1]?.t ?? tMax;
    if (!color || end <= c.t) return;
    bands.push(`<rect x="${x(c.t).toFixed(1)}" width="${Math.max(0.5, x(end) - x(c.t)).toFixed(1)}" y="0" height="${PANEL_H}" fill="${color}" fill-opacity="0.18"/>`);
  });
  PANELS.forEach((panel, i) => {
    const top = TOP + 14 + i * (PANEL_H + GAP);
    const yMax = niceMax(Math.max(...input.samples.flatMap((s, k) => panel.series.map((se) => se.value(s, input.samples[k - 1])))));
    const y = (v: number): number => PANEL_H - (Math.min(v, yMax) / yMax) * PANEL_H;
    out.push(`<g transform="translate(0 ${top})">`, `<text x="${LEFT}" y="-6" font-weight="600">${esc(panel.title)}</text>`);
    let legendX = LEFT + 16 + panel.title.length * 7.6;
    for (const se of panel.series) {
      out.push(`<line x1="${legendX}" x2="${legendX + 18}" y1="-10" y2="-10" stroke="${se.color}" stroke-width="2"${se.dash ? ` stroke-dasharray="${se.dash}"` : ''}/>`);
      out.push(`<text x="${legendX + 22}" y="-6" fill="#444">${esc(se.label)}</text>`);
      legendX += 40 + se.label.length * 7;
    }
    out.push(...bands);
    out.push(`<rect x="${LEFT}" y="0" width="${plotW}" height="${PANEL_H}" fill="none" stroke="#ccc"/>`);
    for (const f of [0, 0.5, 1]) {
      const v = yMax * f;
      out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
      out.push(`<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#666">${Number(v.toPrecision(3))}</text>`);
    }
    out.push(`<text transform="translate(14 ${PANEL_H / 2}) rotate(-90)" text-anchor="middle" fill="#666">${esc(panel.unit)}</text>`);
    for (const se of panel.series) {
      const points = input.samples.map((s, k) => `${x(s.t).toFixed(1)},${y(se.value(s, input.samples[k - 1])).toFixed(1)}`).join(' ');
      out.push(`<polyline fill="none" stroke="${se.color}" stroke-width="1.8"${se.dash ? ` stroke-dasharray="${se.dash}"` : ''} points="${points}"/>`);
    }
    for (const p of input.phases) {
      out.push(`<line x1="${x(p.t).toFixed(1)}" x2="${x(p.t).toFixed(1)}" y1="0" y2="${PANEL_H}" stroke="#333" stroke-dasharray="2 3"/>`);
      if (i === 0) out.push(`<text x="${(x(p.t) + 4).toFixed(1)}" y="12" fill="#333">${esc(p.name)}</text>`);
    }
    out.push('</g>');
  });
  const axisY = TOP + 14 + PANELS.length * (PANEL_H + GAP) - GAP + 16;
  const step = tMax > 30 ? 5 : tMax > 12 ? 2 : 1;
  for (let t = 0; t <= tMax; t += step) out.push(`<text x="${x(t).toFixed(1)}" y="${axisY}" text-anchor="middle" fill="#666">${t} s</text>`);
  out.push(`<text x="${LEFT}" y="${H - 8}" fill="#333">${esc(input.footer)}</text>`, '</svg>');
  return `${out.join('\n')}\n`;
}
