import type { ApiHealth, ApiName, CioHealth, QueueHealth } from '../../client/types.js';
import type { DeadLetter } from '../../queue/store.js';
import type { OutcomeSnapshot } from './outcomes.js';

/** What `GET api/status` answers. Figures and states only: never credentials, never attribute values. */
export interface ConsoleStatus {
  /** The console's title. */
  title: string;
  /** When this was read, ISO time. */
  at: string;
  /** `health().status`. */
  status: CioHealth['status'];
  /** Each API's circuit, as `health().apis` reports them (`track`, `app`, …). */
  apis: Partial<Record<ApiName, ApiHealth>>;
  /** The fallback queue's figures, as `health()` last read them. */
  queue: QueueHealth;
  /** Whether this console holds the circuits open (`isolate`), and since when. */
  isolation: { held: boolean; since: string | null };
  /** Outcome counts since the router was made, and within the recent window. */
  outcomes: OutcomeSnapshot;
  /** Whether the dead letters carry their arguments (`showValues`). */
  showValues: boolean;
}

/** One dead letter as the console shows it. */
export interface ConsoleDeadLetter {
  id: string;
  operation: string;
  /** The person (or segment, object, recipient) the operation is about; `''` when none. */
  person: string;
  /** The error code the reason starts with (`PERMANENT`, `AMBIGUOUS`, …), or `''`. */
  code: string;
  /** Why it was set aside: a code and a message, free of credentials and values. */
  reason: string;
  /** Replay attempts it had made. */
  attempts: number;
  /** When it was set aside, and when the app made the call (ISO times). */
  deadAt: string | null;
  enqueuedAt: string | null;
  /** The call's arguments, only with `showValues: true`. */
  args?: unknown[];
}

/** What `GET api/dead-letters` answers. */
export interface ConsoleDeadLetters {
  /** Dead letters held, as `health()` last read it. */
  total: number;
  /** The limit the list was read with. */
  limit: number;
  /** The oldest dead letters, oldest first, at most `limit`. */
  items: ConsoleDeadLetter[];
}

function iso(ms: unknown): string | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

function apiOf(a: ApiHealth): ApiHealth {
  return { circuit_state: a.circuit_state, failure_count: a.failure_count, last_failure: a.last_failure };
}

/** Each API's circuit, copied field by field; the top-level (Track) fields when there is no `apis`. */
function apisOf(h: CioHealth): Partial<Record<ApiName, ApiHealth>> {
  const apis: Partial<Record<ApiName, ApiHealth>> = {};
  const given: Partial<Record<string, ApiHealth>> = h.apis ?? { track: h };
  for (const [name, a] of Object.entries(given)) {
    if (/^[a-z]{1,32}$/.test(name) && typeof a === 'object' && a !== null) apis[name as ApiName] = apiOf(a);
  }
  return apis;
}

/** The status view, copied field by field from `health()`, so nothing else a client holds can reach it. */
export function statusView(h: CioHealth, extra: Pick<ConsoleStatus, 'title' | 'isolation' | 'outcomes' | 'showValues'>, now: number): ConsoleStatus {
  const q = h.queue;
  return {
    title: extra.title,
    at: new Date(now).toISOString(),
    status: h.status,
    apis: apisOf(h),
    queue: { store: q.store, depth: q.depth, oldest_age_ms: q.oldest_age_ms, dropped: q.dropped, dead_letter: q.dead_letter },
    isolation: { held: extra.isolation.held, since: extra.isolation.since },
    outcomes: extra.outcomes,
    showValues: extra.showValues,
  };
}

/** A dead letter as the console shows it: its arguments only when `showValues`. */
export function deadLetterView(d: DeadLetter, showValues: boolean): ConsoleDeadLetter {
  const reason = text(d.reason);
  const view: ConsoleDeadLetter = {
    id: text(d.id),
    operation: text(d.operation),
    person: text(d.personKey),
    code: /^([A-Z][A-Z_]*):/.exec(reason)?.[1] ?? '',
    reason,
    attempts: typeof d.attempts === 'number' ? d.attempts : 0,
    deadAt: iso(d.deadAt),
    enqueuedAt: iso(d.enqueuedAt),
  };
  if (showValues) view.args = Array.isArray(d.args) ? d.args : [];
  return view;
}
