import type { CioClient } from '../client/CioClient.js';
import type { CioHealth } from '../client/types.js';

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
  customerio: Pick<CioHealth, 'status' | 'circuit_state' | 'failure_count' | 'last_failure' | 'queue'>;
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
    },
  };
}

/**
 * The health route's answer: `200` while the circuit is `CLOSED`, else `degradedStatus`
 * (`503` unless the app chose `200` for readiness probes). A client whose `health()` throws
 * answers `503` with `status: 'fail'`.
 */
export function healthResponse(client: CioClient, degradedStatus: 200 | 503 = 503): HttpAnswer {
  let health: CioHealth;
  try {
    health = client.health();
  } catch {
    return { status: 503, headers: { ...HEALTH_HEADERS }, body: JSON.stringify({ customerio: { status: 'fail', error: 'health unavailable' } }) };
  }
  const status = health.circuit_state === 'CLOSED' ? 200 : degradedStatus;
  return { status, headers: { ...HEALTH_HEADERS }, body: JSON.stringify(bodyOf(health)) };
}
