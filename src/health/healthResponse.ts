import type { CioClient } from '../client/CioClient.js';
import type { ApiHealth, CioHealth } from '../client/types.js';

/** An HTTP answer, independent of the framework that writes it. */
export interface HttpAnswer {
  /** HTTP status code. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** Response body (not written for `HEAD`). */
  body: string;
}

/** The JSON body of the health route. Holds state and figures only, never credentials. */
export interface HealthBody {
  customerio: Pick<CioHealth, 'status' | 'circuit_state' | 'failure_count' | 'last_failure' | 'queue'> & Partial<Pick<CioHealth, 'apis'>>;
}

/** Headers every health answer carries. */
export const HEALTH_HEADERS = Object.freeze({
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
});

/** Copies the reported fields one by one, so nothing else a client might hold ever reaches the body. */
function bodyOf(h: CioHealth): HealthBody {
  const q = h.queue;
  return {
    customerio: {
      status: h.status,
      circuit_state: h.circuit_state,
      failure_count: h.failure_count,
      last_failure: h.last_failure,
      queue: { store: q.store, depth: q.depth, oldest_age_ms: q.oldest_age_ms, dropped: q.dropped, dead_letter: q.dead_letter },
      ...(h.apis ? { apis: apisOf(h.apis) } : {}),
    },
  };
}

/** Each API's circuit (a client of an older shape may report no Pipelines API). */
function apisOf(apis: CioHealth['apis']): CioHealth['apis'] {
  const out = { track: apiOf(apis.track), app: apiOf(apis.app) };
  return (apis.pipelines ? { ...out, pipelines: apiOf(apis.pipelines) } : out) as CioHealth['apis'];
}

function apiOf(a: ApiHealth): ApiHealth {
  return { circuit_state: a.circuit_state, failure_count: a.failure_count, last_failure: a.last_failure };
}

/** The default rule of the health route: degraded while the Track API's circuit is not closed. */
export const TRACK_CIRCUIT_NOT_CLOSED = (health: CioHealth): boolean => health.circuit_state !== 'CLOSED';

/**
 * The health route's answer: `200` unless `degraded(health)` (by default: the Track API's circuit is
 * not `CLOSED`), then `degradedStatus` (`503` unless the app chose `200` for readiness probes). A
 * client whose `health()` (or rule) throws answers `503` with `status: 'fail'`.
 */
export function healthResponse(client: CioClient, degradedStatus: 200 | 503 = 503, degraded: (health: CioHealth) => boolean = TRACK_CIRCUIT_NOT_CLOSED): HttpAnswer {
  let health: CioHealth;
  let down: boolean;
  try {
    health = client.health();
    down = degraded(health) === true;
  } catch {
    return { status: 503, headers: { ...HEALTH_HEADERS }, body: JSON.stringify({ customerio: { status: 'fail', error: 'health unavailable' } }) };
  }
  const status = down ? degradedStatus : 200;
  return { status, headers: { ...HEALTH_HEADERS }, body: JSON.stringify(bodyOf(health)) };
}
