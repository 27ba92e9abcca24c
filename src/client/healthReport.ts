import type { Pipeline } from '../policies/pipeline.js';
import type { QueueFigures } from './queueFigures.js';
import type { ApiHealth, ApiName, CioHealth } from './types.js';

/** One API's circuit in `health()`. */
function apiHealth(p: Pipeline): ApiHealth {
  const last = p.lastFailure;
  return { circuit_state: p.circuitState, failure_count: p.failureCount, last_failure: last === null ? null : new Date(last).toISOString() };
}

const down = (s: CioHealth['circuit_state']): boolean => s === 'OPEN' || s === 'ISOLATED';

/**
 * What `health()` reports: the Track API's circuit in the top-level fields (it carries almost every
 * call), each API's in `apis`, and the queue's last figures. Track's circuit decides `fail`; another
 * API's circuit not closed, or a backlog, is a warning.
 */
export function healthOf(pipelines: Readonly<Record<ApiName, Pipeline>>, figures: QueueFigures, store: string): CioHealth {
  const apis = { track: apiHealth(pipelines.track), app: apiHealth(pipelines.app), pipelines: apiHealth(pipelines.pipelines) };
  const state = apis.track.circuit_state;
  const q = figures.stats;
  const others = apis.app.circuit_state !== 'CLOSED' || apis.pipelines.circuit_state !== 'CLOSED';
  const status = down(state) ? 'fail' : state === 'HALF_OPEN' || q.depth > 0 || others ? 'warn' : 'pass';
  return {
    status,
    circuit_state: state,
    failure_count: apis.track.failure_count,
    last_failure: apis.track.last_failure,
    queue: { store, depth: q.depth, oldest_age_ms: figures.oldestAge(), dropped: q.dropped, dead_letter: q.deadLetters },
    apis,
  };
}
