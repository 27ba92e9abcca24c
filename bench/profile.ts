/**
 * CPU profiles of a benchmark's child process: how to start one (`node --cpu-prof`), and how much
 * self time the profile holds, by file and function, inside a window of the run.
 *
 * V8's sampling profiler writes a `.cpuprofile` (JSON: a call tree of `nodes`, each with its
 * `callFrame.url`, and the `samples` taken, with the `timeDeltas` between them) when the process
 * exits. Its timestamps are microseconds of the same monotonic clock as `process.hrtime()`, so a
 * child reports the `hrtimeUs()` at which a measured window starts and ends and only the samples
 * taken in between are counted. A sample's time is the interval until the next sample (as Chrome's
 * DevTools counts it). Built-in functions (JSON.stringify, Map#get, ...) are charged by V8 to the
 * JavaScript function that called them; a frame with no script of its own (a native callback) is
 * charged to the nearest caller that has one.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Sampling interval of the profiled children, in µs: V8's default. At 250 µs the profiler itself shifted
 * self time into Node's `writeHead`/`_storeHeader` (+6 µs per request in the app with the middleware, none
 * with `perf` or at 1 000 µs), so the "grown from the floor" rows pointed at code the package never calls.
 */
export const PROFILE_INTERVAL_US = 1000;

/** Where self time goes, by kind of code. */
export type Category = 'own' | 'sdk' | 'otel' | 'deps' | 'bench' | 'node' | 'gc' | 'program' | 'idle';

/** The categories in the order they are printed, with a label. */
export const CATEGORIES: ReadonlyArray<[Category, string]> = [
  ['own', 'this package (+ lru-cache, cockatiel, ulid)'],
  ['sdk', 'customerio-node'],
  ['otel', 'OpenTelemetry (@opentelemetry/*)'],
  ['node', 'Node.js internals (http, undici, streams, timers)'],
  ['deps', 'other packages (express, ...)'],
  ['bench', "the benchmark's own app code"],
  ['gc', 'garbage collector'],
  ['program', 'native (V8/libuv, not JavaScript)'],
];

/** The package's own code: its sources (compiled or not) and the three libraries it runs on every call. */
const OWN_LIBRARIES = ['/node_modules/lru-cache/', '/node_modules/cockatiel/', '/node_modules/ulid/'];
/** This file's folder (bench/) and the package's sources next to it (src/, or dist-bench/src/ once compiled). */
const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));
const SRC_DIR = fileURLToPath(new URL('../src/', import.meta.url));
const ROOT_DIR = fileURLToPath(new URL('../', import.meta.url));

/** The current time on the profiler's clock, in µs. */
export function hrtimeUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A window of a run: from `start` to `end` on the profiler's clock (µs). */
export interface Window {
  start: number;
  end: number;
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
/** The parts of a `.cpuprofile` used here. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time in a window: in total, per category and per own-code function. All in µs. */
export interface SelfTime {
  /** Time covered by samples in the window (busy or idle). */
  total: number;
  byCategory: Record<Category, number>;
  /** Own code only, by `file:line function` (the line where the function starts, in the code that ran: compiled JavaScript under `npm run bench`). */
  byFunction: Map<string, number>;
  /** Own code only, by file. */
  byFile: Map<string, number>;
  /**
   * Node.js internals called by own code (the nearest caller outside Node.js is an own function),
   * by `node function ← own function`: work the package causes that its self time does not show.
   */
  nodeFromOwn: Map<string, number>;
  /** Every function that is not own code, by `file:line function`: to compare two apps' profiles. */
  others: Map<string, number>;
}

/**
 * A temporary folder for profiles; `dispose()` deletes it with everything in it. With the
 * environment variable `BENCH_PROFILES=<folder>`, the profiles are written there and kept (open
 * them in Chrome DevTools or VS Code).
 */
export function profileDir(): { path: string; args(name: string): string[]; read(name: string): CpuProfile; dispose(): void } {
  const keep = process.env['BENCH_PROFILES'];
  if (keep) mkdirSync(keep, { recursive: true });
  const path = keep ? mkdtempSync(join(keep, 'run-')) : mkdtempSync(join(tmpdir(), 'cio-bench-prof-'));
  return {
    path,
    args: (name) => ['--cpu-prof', `--cpu-prof-dir=${path}`, `--cpu-prof-name=${name}.cpuprofile`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`],
    read: (name) => JSON.parse(readFileSync(join(path, `${name}.cpuprofile`), 'utf8')) as CpuProfile,
    dispose: () => {
      if (!keep) rmSync(path, { recursive: true, force: true });
    },
  };
}

function pathOf(url: string): string {
  return url.startsWith('file://') ? fileURLToPath(url) : url;
}

function categorise(url: string, name: string): Category {
  if (url === '') {
    if (name === '(garbage collector)') return 'gc';
    if (name === '(idle)') return 'idle';
    return 'program';
  }
  if (url.startsWith('node:')) return 'node';
  const path = pathOf(url);
  if (path.startsWith(SRC_DIR) || OWN_LIBRARIES.some((l) => path.includes(l))) return 'own';
  if (path.includes('/node_modules/customerio-node/')) return 'sdk';
  if (path.includes('/node_modules/@opentelemetry/')) return 'otel';
  if (path.includes('/node_modules/')) return 'deps';
  if (path.startsWith(BENCH_DIR)) return 'bench';
  return 'deps';
}

/** A short name for a file: relative to the package (`src/http/requestScope.js`, `node_modules/cockatiel/...`). */
function shortFile(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = pathOf(url);
  if (path.startsWith(SRC_DIR)) return `src/${relative(SRC_DIR, path)}`;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + 1);
  return relative(ROOT_DIR, path);
}

/** Self time of each kind of code, and of each own function and file, in the samples taken within `windows`. */
export function selfTime(profile: CpuProfile, windows: readonly Window[]): SelfTime {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // The frame a node's self time is charged to: itself, or for a frame with no script (a native
  // callback other than GC, idle and "program") its nearest caller with one.
  const charged = new Map<number, ProfileNode>();
  const chargeOf = (id: number): ProfileNode => {
    const known = charged.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    let at: ProfileNode = node;
    const special = /^\((garbage collector|idle|program|root)\)$/.test(node.callFrame.functionName);
    if (node.callFrame.url === '' && !special) {
      let up = parent.get(id);
      while (up !== undefined && byId.get(up)!.callFrame.url === '') up = parent.get(up);
      if (up !== undefined) at = byId.get(up)!;
    }
    charged.set(id, at);
    return at;
  };
  // For a Node.js frame: the own function that called into Node.js, if the nearest caller outside it is one.
  const ownCaller = new Map<number, ProfileNode | null>();
  const ownCallerOf = (id: number): ProfileNode | null => {
    const known = ownCaller.get(id);
    if (known !== undefined) return known;
    let up = parent.get(id);
    let found: ProfileNode | null = null;
    while (up !== undefined) {
      const frame = byId.get(up)!.callFrame;
      if (!(frame.url.startsWith('node:') || frame.url === '')) {
        if (categorise(frame.url, frame.functionName) === 'own') found = byId.get(up)!;
        break;
      }
      up = parent.get(up);
    }
    ownCaller.set(id, found);
    return found;
  };
  const name = (node: ProfileNode): string => {
    const { url, functionName, lineNumber } = node.callFrame;
    return `${shortFile(url)}:${lineNumber + 1} ${functionName === '' ? '(anonymous)' : functionName}`;
  };
  const out = emptySelfTime();
  let t = profile.startTime;
  const n = profile.samples.length;
  for (let i = 0; i < n; i++) {
    t += profile.timeDeltas[i]!;
    if (!windows.some((w) => t >= w.start && t < w.end)) continue;
    const next = i + 1 < n ? profile.timeDeltas[i + 1]! : 0;
    const node = chargeOf(profile.samples[i]!);
    const { url, functionName } = node.callFrame;
    const category = categorise(url, functionName);
    out.total += next;
    out.byCategory[category] += next;
    if (category === 'node') {
      const caller = ownCallerOf(node.id);
      if (caller !== null) {
        const key = `${functionName === '' ? '(anonymous)' : functionName} (${url}) ← ${name(caller).replace(/^src\//, '')}`;
        out.nodeFromOwn.set(key, (out.nodeFromOwn.get(key) ?? 0) + next);
      }
    }
    const fn = category === 'gc' || category === 'program' || category === 'idle' ? functionName : name(node);
    if (category !== 'own') {
      if (category !== 'idle') out.others.set(fn, (out.others.get(fn) ?? 0) + next);
      continue;
    }
    const file = shortFile(url);
    out.byFunction.set(fn, (out.byFunction.get(fn) ?? 0) + next);
    out.byFile.set(file, (out.byFile.get(file) ?? 0) + next);
  }
  return out;
}

/** A self time with nothing counted yet. */
function emptySelfTime(): SelfTime {
  return {
    total: 0,
    byCategory: { own: 0, sdk: 0, otel: 0, deps: 0, bench: 0, node: 0, gc: 0, program: 0, idle: 0 },
    byFunction: new Map(),
    byFile: new Map(),
    nodeFromOwn: new Map(),
    others: new Map(),
  };
}

/** Self time of Node.js internals called by own code (see {@link SelfTime.nodeFromOwn}), µs. */
export function nodeFromOwnTotal(s: SelfTime): number {
  let sum = 0;
  for (const v of s.nodeFromOwn.values()) sum += v;
  return sum;
}

/** Adds self times up (several runs of one kind). */
export function addSelfTimes(times: readonly SelfTime[]): SelfTime {
  const sum = emptySelfTime();
  for (const s of times) {
    sum.total += s.total;
    for (const [k, v] of Object.entries(s.byCategory) as Array<[Category, number]>) sum.byCategory[k] += v;
    for (const [k, v] of s.byFunction) sum.byFunction.set(k, (sum.byFunction.get(k) ?? 0) + v);
    for (const [k, v] of s.byFile) sum.byFile.set(k, (sum.byFile.get(k) ?? 0) + v);
    for (const [k, v] of s.nodeFromOwn) sum.nodeFromOwn.set(k, (sum.nodeFromOwn.get(k) ?? 0) + v);
    for (const [k, v] of s.others) sum.others.set(k, (sum.others.get(k) ?? 0) + v);
  }
  return sum;
}

/**
 * The functions outside own code whose self time per call grew most from `base` to `other`
 * (e.g. the floor app to the app with the middleware): costs the package causes elsewhere.
 */
export function grownPerCall(base: SelfTime, baseCalls: number, other: SelfTime, otherCalls: number, top: number): Array<[string, number]> {
  const diff = new Map<string, number>();
  for (const [k, v] of other.others) diff.set(k, v / otherCalls - (base.others.get(k) ?? 0) / baseCalls);
  return [...diff].sort((a, b) => b[1] - a[1]).slice(0, top);
}

/** The `top` largest entries of a map, as rows of name and µs per call. */
export function topPerCall(map: ReadonlyMap<string, number>, calls: number, top: number): Array<[string, number]> {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => [k, v / calls]);
}
