import type { Ledger } from './ledger.js';
import { ms } from './percentile.js';

const pad = (s: string | number, n: number): string => String(s).padStart(n);

/** The ledger as text: one figure per line (`accepted`, `delivered`, `duplicated`, `lost` lead their lines). */
export function ledgerText(l: Ledger, store: string): string[] {
  const kinds = Object.entries(l.byKind).map(([k, n]) => `${k} ${n}`).join(', ');
  const o = (s: Parameters<Ledger['outcomes']['get']>[0]): number => l.outcomes.get(s) ?? 0;
  const healthy = l.phases.find((p) => p.name === 'healthy')?.p99 ?? Number.NaN;
  const lines = [
    '',
    `Ledger (${store} queue)`,
    `  accepted     ${pad(l.accepted, 6)}  operations the app took on (answered 201): ${kinds}`,
    `  delivered    ${pad(l.delivered, 6)}  of them at Customer.io (the emulator), each found by its person / SKU`,
    `  duplicated   ${pad(l.duplicated, 6)}  ${l.ulidRepeats} events dropped by Customer.io as ULID repeats + ${l.appliedTwice} operations applied twice`,
    `  lost         ${pad(l.lost, 6)}  accepted but not at Customer.io (at the end: ${l.leftover.queued} still queued, ${l.leftover.deadLetters} dead letters, ${l.leftover.dropped} dropped)`,
    `  unexpected   ${pad(l.unexpected, 6)}  at Customer.io but never reported accepted`,
    `  client       sent at once ${o('sent')} (${l.retries} retries) · queued ${o('queued')} (replayed from the queue ${l.replayed}) · duplicate ${o('duplicate')} · failed ${o('failed')} · rejected ${o('rejected')} · dropped ${o('dropped')}`,
    '',
    `  ${'phase'.padEnd(9)} ${pad('requests', 8)} ${pad('not 201', 7)} ${pad('ops', 5)} ${pad('app p50', 9)} ${pad('app p99', 9)} ${pad('max', 9)}  p99 vs healthy`,
    ...l.phases.map(
      (p) =>
        `  ${p.name.padEnd(9)} ${pad(p.requests, 8)} ${pad(p.failed, 7)} ${pad(p.ops, 5)} ${pad(ms(p.p50), 9)} ${pad(ms(p.p99), 9)} ${pad(ms(p.max), 9)}  ${(p.p99 / healthy).toFixed(2)}x`,
    ),
  ];
  return lines;
}

/** The closing verdict line. */
export function verdictText(l: Ledger): string {
  if (l.ok) return `RESULT ok: ${l.accepted} operations accepted, every one at Customer.io exactly once (0 lost, 0 duplicated)`;
  const why = [l.accepted === 0 ? 'nothing was accepted' : '', l.lost > 0 ? `${l.lost} lost` : '', l.duplicated > 0 ? `${l.duplicated} duplicated` : '']
    .filter(Boolean)
    .join(', ');
  return `RESULT FAILED: ${why}`;
}
