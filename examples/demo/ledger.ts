import type { CioHealth, CioResultStatus } from '../../src/index.js';
import type { CioEmulator } from '../../src/testing/index.js';
import { percentile } from './percentile.js';
import type { TrafficGenerator } from './traffic.js';

/** The app's requests and latency in one phase. */
export interface PhaseFigures {
  name: string;
  requests: number;
  /** Requests not answered 201. */
  failed: number;
  /** Customer.io operations the app took on. */
  ops: number;
  p50: number;
  p99: number;
  max: number;
}

/** The account of the run: every operation the app took on, and what became of it. */
export interface Ledger {
  /** Operations the app took on (it answered 201 to the request that made them). */
  accepted: number;
  /** Accepted operations by kind. */
  byKind: Record<string, number>;
  /** Accepted operations found at the emulator (at least once). */
  delivered: number;
  /** Accepted operations not found at the emulator. */
  lost: number;
  /** Events the emulator dropped because their ULID had been seen before (`emu.duplicates`). */
  ulidRepeats: number;
  /** Extra copies of one operation applied by the emulator (an identify twice, an event under two ids). */
  appliedTwice: number;
  /** `ulidRepeats + appliedTwice`. */
  duplicated: number;
  /** Operations at the emulator that the app never reported taking on (e.g. a request whose answer was lost). */
  unexpected: number;
  /** What the client still holds at the end: queued, dead letters, dropped. */
  leftover: { queued: number; deadLetters: number; dropped: number };
  /** First outcome of every client call, by status. */
  outcomes: ReadonlyMap<CioResultStatus, number>;
  replayed: number;
  /** HTTP attempts repeated inside calls. */
  retries: number;
  phases: PhaseFigures[];
  /** Nothing lost, nothing duplicated, and something accepted. */
  ok: boolean;
}

/** Where each accepted operation must show up at the emulator: the same key the traffic generator wrote down. */
function deliveredKeys(emu: CioEmulator): Map<string, number> {
  const seen = new Map<string, number>();
  const bump = (key: string): void => void seen.set(key, (seen.get(key) ?? 0) + 1);
  for (const e of emu.events) {
    const sku = e.data['sku'];
    if (e.name === 'signed_up') bump(`signed_up:${e.personId ?? '?'}`);
    else if (e.name === 'order_placed') bump(`order_placed:${typeof sku === 'string' ? sku : '?'}`);
    else bump(`event:${e.name}`);
  }
  for (const op of emu.operations) {
    if (op.operation === 'identify' && !op.duplicate) bump(`identify:${op.personId ?? '?'}`);
  }
  return seen;
}

/** Compares what the app took on with what reached the emulator. */
export function computeLedger(input: {
  traffic: TrafficGenerator;
  emu: CioEmulator;
  health: CioHealth;
  outcomes: ReadonlyMap<CioResultStatus, number>;
  replayed: number;
  retries: number;
  phases: readonly string[];
}): Ledger {
  const { traffic, emu, health } = input;
  const seen = deliveredKeys(emu);
  const byKind: Record<string, number> = {};
  let delivered = 0;
  for (const key of traffic.accepted.keys()) {
    const kind = key.slice(0, key.indexOf(':'));
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if ((seen.get(key) ?? 0) > 0) delivered++;
  }
  let appliedTwice = 0;
  let unexpected = 0;
  for (const [key, count] of seen) {
    appliedTwice += Math.max(0, count - 1);
    if (!traffic.accepted.has(key)) unexpected++;
  }
  const accepted = traffic.accepted.size;
  const lost = accepted - delivered;
  const duplicated = emu.duplicates + appliedTwice;
  const phases = input.phases.map((name): PhaseFigures => {
    const records = traffic.records.filter((r) => r.phase === name);
    const latencies = records.map((r) => r.ms);
    return {
      name,
      requests: records.length,
      failed: records.filter((r) => r.ops === 0).length,
      ops: records.reduce((n, r) => n + r.ops, 0),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length > 0 ? Math.max(...latencies) : Number.NaN,
    };
  });
  return {
    accepted,
    byKind,
    delivered,
    lost,
    ulidRepeats: emu.duplicates,
    appliedTwice,
    duplicated,
    unexpected,
    leftover: { queued: health.queue.depth, deadLetters: health.queue.dead_letter, dropped: health.queue.dropped },
    outcomes: input.outcomes,
    replayed: input.replayed,
    retries: input.retries,
    phases,
    ok: accepted > 0 && lost === 0 && duplicated === 0,
  };
}
