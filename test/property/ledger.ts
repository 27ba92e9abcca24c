/**
 * The ledger check of a fault schedule: what the client reported against what the emulator got.
 *
 * - Every call settled (the client's promise, and a request-scoped call's placeholder and `delivered`).
 * - `close()` resolved within its time with nothing left over.
 * - An accepted call (`sent`, `queued`) was delivered exactly once; a `rejected`, `dropped` or
 *   `failed` one was not delivered, except a `failed` with code `AMBIGUOUS` (at most once). An
 *   at-most-once send (sendEmail) accepted as `queued` whose replay then failed ambiguously is kept
 *   as an AMBIGUOUS dead letter instead of being sent twice: it counts as kept, not lost.
 * - A call without a key is never a repeat: identical calls are delivered as many times as accepted.
 * - Calls sharing a key are one operation: at most one of them accepted, and exactly one delivery if so.
 * - Each person's attributes are those of their last accepted identify, in the order the client got them.
 *
 * "Delivered" is counted by the marker each call carries: delivered events after ULID
 * de-duplication (track, trackAnonymous, trackPageView), accepted sendEmail operations, and for
 * identify (which may legitimately be applied twice, by a retry after a lost answer) whether it was
 * applied at all.
 */
import type { CioResult } from '../../src/client/types.js';
import type { AcceptedOperation } from '../../src/testing/index.js';
import type { OpKind } from './arbitraries.js';
import { CLOSE_TIMEOUT_MS } from './runner.js';
import type { Invocation, RunRecord } from './runner.js';

/** How late `close()` may resolve past its `timeoutMs` (event loop, store shutdown). */
const CLOSE_SLACK_MS = 1_000;

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

const accepted = (r: CioResult | undefined): boolean => r?.status === 'sent' || r?.status === 'queued';
const ambiguous = (r: CioResult | undefined): boolean => r?.status === 'failed' && r.error?.code === 'AMBIGUOUS';

function count(map: Map<string, number>, key: unknown): void {
  if (typeof key !== 'string') return;
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Attributes of an accepted identify operation (v1: the body; v2: the item's `attributes`). */
function identifyAttributes(op: AcceptedOperation): Record<string, unknown> {
  return op.source === 'v2' ? obj(obj(op.payload)['attributes']) : obj(op.payload);
}

/** How often each marker reached Customer.io, by kind of operation. */
function deliveries(run: RunRecord): (op: OpKind, marker: string) => number {
  const events = new Map<string, number>();
  for (const e of run.events) {
    if (e.kind === 'page') count(events, /^\/p\/([^/]+)/.exec(e.name)?.[1]);
    else count(events, e.data['m']);
  }
  const emails = new Map<string, number>();
  const identifies = new Map<string, number>();
  for (const op of run.operations) {
    if (op.operation === 'sendEmail') count(emails, obj(obj(op.payload)['message_data'])['m']);
    if (op.operation === 'identify') count(identifies, identifyAttributes(op)['m']);
  }
  return (op, marker) => {
    if (op === 'identify') return identifies.get(marker) ?? 0;
    if (op === 'sendEmail') return emails.get(marker) ?? 0;
    return events.get(marker) ?? 0;
  };
}

/** One call, for a message. */
export function describeCall(inv: Invocation): string {
  const r = inv.result;
  const outcome = r ? `${r.status}${r.error ? `/${r.error.code}` : ''} after ${r.attempts} attempt(s)` : inv.error ?? 'unsettled';
  const how = [inv.via, inv.key === undefined ? 'no key' : `key ${inv.key}`, ...(inv.batch ? ['batch'] : [])].join(', ');
  return `#${inv.seq} ${inv.op}(${inv.person}) ${inv.marker} [${how}] → ${outcome}`;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Checks the ledger of a run; returns every violation found (empty when the promise held). */
export function checkLedger(run: RunRecord): string[] {
  const violations: string[] = [];
  const delivered = deliveries(run);
  /** Accepted at-most-once sends not delivered: each must be an AMBIGUOUS dead letter (a person decides). */
  let atMostOnceShort = 0;

  // --- close() and settlement ---
  if ('error' in run.close) violations.push(`close() failed: ${run.close.error}`);
  else if (run.close.remaining > 0) violations.push(`close() left ${run.close.remaining} operation(s) undelivered (remaining > 0)`);
  if (run.closeMs > CLOSE_TIMEOUT_MS + CLOSE_SLACK_MS) violations.push(`close({ timeoutMs: ${CLOSE_TIMEOUT_MS} }) took ${run.closeMs} ms`);
  for (const e of run.httpErrors) violations.push(`the app's request failed: ${e}`);
  const late = (at: number | undefined): string =>
    at === undefined ? 'still pending 1 s after close() resolved' : `settled ${at - run.closedAt} ms after close() resolved`;
  for (const inv of run.invocations) {
    if (inv.error !== undefined) violations.push(`a call ${inv.error} (it must resolve): ${describeCall(inv)}`);
    else if (inv.settledAt === undefined || inv.settledAt > run.closedAt) {
      violations.push(`a call was unsettled when close() resolved (${late(inv.settledAt)}): ${describeCall(inv)}`);
    }
  }
  for (const s of run.scoped) {
    if (s.error !== undefined) violations.push(`request-scoped ${s.op} ${s.marker}: ${s.error}`);
    else if (s.placeholder === undefined) violations.push(`request-scoped ${s.op} ${s.marker}: its placeholder never settled`);
    else if (s.deliveredAt === undefined || s.deliveredAt > run.closedAt) {
      violations.push(`request-scoped ${s.op} ${s.marker}: delivered was unsettled when close() resolved (${late(s.deliveredAt)})`);
    }
  }
  const settled = run.invocations.filter((inv) => inv.result !== undefined);
  for (const e of run.events) {
    if (e.id === null) violations.push(`an event reached Customer.io without a ULID id: ${e.kind} ${e.name} ${JSON.stringify(e.data)}`);
  }

  // --- calls without a key: never repeats; identical calls share a marker ---
  const keyless = settled.filter((inv) => inv.key === undefined);
  for (const inv of keyless) {
    if (inv.result?.status === 'duplicate') violations.push(`a call without a key was de-duplicated: ${describeCall(inv)}`);
  }
  for (const [, calls] of groupBy(keyless, (inv) => `${inv.op} ${inv.marker}`)) {
    const first = calls[0]!;
    const n = delivered(first.op, first.marker);
    const a = calls.filter((inv) => accepted(inv.result)).length;
    const u = calls.filter((inv) => ambiguous(inv.result)).length;
    const calls_ = calls.map(describeCall).join('; ');
    if (first.op === 'identify') {
      if (a > 0 && n === 0) violations.push(`accepted identify never applied: ${calls_}`);
      if (a === 0 && n > 0) violations.push(`identify applied though reported ${calls.map((c) => c.result?.status).join('/')}: ${calls_}`);
    } else if (n < a && first.op === 'sendEmail') {
      atMostOnceShort += a - n; // checked against the dead letters below
    } else if (n < a) {
      violations.push(`accepted ${first.op} delivered ${n} time(s) for ${a} accepted call(s) (lost): ${calls_}`);
    } else if (n > a + u) {
      violations.push(
        `${first.op} delivered ${n} time(s) for ${a} accepted${u > 0 ? ` + ${u} ambiguous` : ''} call(s) (duplicated, or delivered though not accepted): ${calls_}`,
      );
    }
  }

  // --- calls sharing a key: one operation ---
  const keyed = settled.filter((inv) => inv.key !== undefined);
  for (const [key, calls] of groupBy(keyed, (inv) => inv.key!)) {
    const winners = calls.filter((inv) => accepted(inv.result));
    const maybes = calls.filter((inv) => ambiguous(inv.result));
    const markers = [...new Set(calls.map((inv) => `${inv.op} ${inv.marker}`))];
    const perMarker = new Map(markers.map((m) => [m, delivered(m.split(' ')[0] as OpKind, m.split(' ')[1]!)]));
    const isIdentify = calls[0]!.op === 'identify';
    const total = [...perMarker.values()].reduce((sum, n) => sum + (isIdentify ? Math.min(n, 1) : n), 0);
    const calls_ = calls.map(describeCall).join('; ');
    if (winners.length > 1) violations.push(`key ${key}: ${winners.length} calls accepted, one expected: ${calls_}`);
    if (winners.length >= 1) {
      const winner = `${winners[0]!.op} ${winners[0]!.marker}`;
      const n = perMarker.get(winner) ?? 0;
      if (n === 0 && winners[0]!.op === 'sendEmail') atMostOnceShort++;
      else if (n === 0) violations.push(`key ${key}: the accepted call was never delivered (lost): ${calls_}`);
      else if (!isIdentify && n > 1) violations.push(`key ${key}: the accepted call was delivered ${n} times: ${calls_}`);
      if (total > (isIdentify ? 1 : n)) violations.push(`key ${key}: more than one of its calls was delivered (${total}): ${calls_}`);
    } else {
      const allowed = maybes.length > 0 ? 1 : 0;
      if (total > allowed) {
        violations.push(`key ${key}: delivered ${total} time(s) though no call was accepted${allowed ? ' (one ambiguous)' : ''}: ${calls_}`);
      }
    }
  }

  // --- at-most-once sends: a queued one whose replay failed ambiguously is a dead letter, never lost silently ---
  const ambiguousDead = run.deadLetters.filter((d) => d.startsWith('sendEmail ') && d.endsWith(' AMBIGUOUS')).length;
  if (atMostOnceShort > ambiguousDead) {
    violations.push(`${atMostOnceShort} accepted sendEmail call(s) were never delivered, but only ${ambiguousDead} became AMBIGUOUS dead letters (lost)`);
  }

  // --- identify order per person ---
  const identifies = settled.filter((inv) => inv.op === 'identify');
  for (const [person, calls] of groupBy(identifies, (inv) => inv.person)) {
    const applied = calls.filter((inv) => accepted(inv.result)).sort((x, y) => x.seq - y.seq);
    const last = applied[applied.length - 1];
    const actual = run.people.get(person);
    const want = last ? obj(last.args[1]) : undefined;
    const got = actual === undefined ? 'no person' : `m=${String(actual['m'])} w=${String(actual['w'])}`;
    const expected = want === undefined ? 'no person' : `m=${String(want['m'])} w=${String(want['w'])}`;
    const ok =
      want === undefined
        ? actual === undefined || actual['m'] === undefined
        : actual !== undefined && actual['m'] === want['m'] && actual['w'] === want['w'];
    if (!ok) {
      violations.push(
        `identify order for ${person}: expected ${expected} (the last accepted identify), found ${got}${orderHint(run, person, want)}; identifies in call order: ${[...calls]
          .sort((x, y) => x.seq - y.seq)
          .map((inv) => `${describeCall(inv)} at +${inv.at}ms w=${String(obj(inv.args[1])['w'])}`)
          .join('; ')}; Customer.io applied, in arrival order: ${appliedIdentifies(run, person)}`,
      );
    }
  }
  return violations;
}

/**
 * The identify operations Customer.io accepted for `person`, in arrival order, with the timestamp
 * each carried (v1: none, so its arrival time counts): which one won tells a lost order from a
 * timestamp that made a newer write look older.
 */
function appliedIdentifies(run: RunRecord, person: string): string {
  const applied = run.operations
    .filter((op) => op.operation === 'identify' && op.personId === person)
    .map((op) => {
      const ts = obj(op.payload)['timestamp'];
      return `${String(identifyAttributes(op)['m'])} (${op.source}${typeof ts === 'number' ? `, timestamp ${ts}s` : ''}, at ${(op.at / 1000).toFixed(3)}s)`;
    });
  return applied.length > 0 ? applied.join(', ') : 'none';
}

/** Why the last accepted identify did not win: it never arrived, it lost on its timestamp, or an earlier one arrived after it. */
function orderHint(run: RunRecord, person: string, want: Record<string, unknown> | undefined): string {
  if (want === undefined) return '';
  const arrived = run.operations.filter((op) => op.operation === 'identify' && op.personId === person).map((op) => identifyAttributes(op)['m']);
  const last = arrived.lastIndexOf(want['m']);
  if (last < 0) return ' (it never reached Customer.io)';
  if (last === arrived.length - 1) return ' (it arrived last but lost on its timestamp)';
  return ' (an earlier identify arrived after it)';
}

/** A short account of a run, for the failure report. */
export function summarize(run: RunRecord): string {
  const statuses = new Map<string, number>();
  for (const inv of run.invocations) count(statuses, inv.result ? `${inv.result.status}${inv.result.error ? `/${inv.result.error.code}` : ''}` : 'unsettled');
  return [
    `store=${run.schedule.store} rateLimit=${String(run.schedule.rateLimit)} steps=${run.schedule.steps.length}`,
    `calls=${run.invocations.length} (${[...statuses].map(([s, n]) => `${s}:${n}`).join(' ')}) requests=${run.requestCount} events=${run.events.length} (ULID duplicates dropped: ${run.duplicates})`,
    `close=${JSON.stringify(run.close)} in ${run.closeMs} ms; run ${run.durationMs} ms; dead letters: ${run.deadLetters.length > 0 ? run.deadLetters.join(', ') : 'none'}`,
  ].join('\n');
}
