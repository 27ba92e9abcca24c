import type { CioApi } from '../types.js';
import { appRoutes } from './app.js';
import { appReadRoutes } from './appReads.js';
import type { Handler } from './context.js';
import { pipelinesRoutes } from './pipelines.js';
import { trackV1Routes } from './track.js';
import { trackV2Routes } from './v2.js';

export type { Handler, RouteContext } from './context.js';

/** Every route the emulator serves. */
const ROUTES = [...trackV1Routes, ...trackV2Routes, ...appRoutes, ...appReadRoutes, ...pipelinesRoutes];

/** A request resolved against the route table. */
export interface ResolvedRoute {
  /** API by path prefix (known even for an unknown route). */
  readonly api: CioApi;
  /** Operation name, `null` for an unknown route. */
  readonly operation: string | null;
  /** Handler, `null` for an unknown route (→ 404). */
  readonly handler: Handler | null;
  /** Whether the route takes requests without credentials (see `Route.noAuth`). */
  readonly noAuth: boolean;
  /** Whether the route answers bad credentials and bodies that are not JSON itself (see `Route.checksItself`). */
  readonly checksItself: boolean;
  /** Decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
}

/** API of a path by its prefix. */
export function apiOf(path: string): CioApi {
  if (path.startsWith('/api/v1/') || path.startsWith('/api/v2/')) return 'track';
  if (path.startsWith('/v1/')) return 'app';
  if (path.startsWith('/cdp/v1/')) return 'pipelines';
  return 'unknown';
}

/** Decode a path segment, keeping it raw when it is not valid percent-encoding. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Find the route for a request. The body decides between `track` and `trackPageView`. */
export function resolveRoute(method: string, path: string, body: unknown): ResolvedRoute {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(m.groups ?? {})) {
      if (value !== undefined) params[name] = decode(value);
    }
    const operation = typeof route.operation === 'function' ? route.operation(body) : route.operation;
    return { api: route.api, operation, handler: route.handler, params, noAuth: route.noAuth === true, checksItself: route.checksItself === true };
  }
  return { api: apiOf(path), operation: null, handler: null, params: {}, noAuth: false, checksItself: false };
}
