import type { IncomingHttpHeaders } from 'node:http';
import type { CioClient } from '../../client/CioClient.js';
import type { HttpAnswer } from '../../health/healthResponse.js';
import { CONSOLE_CSS, CONSOLE_ICON, CONSOLE_JS } from './assets.js';
import { ConsoleInputError, discardInput, flushInput, listInput, noInput, redriveInput } from './input.js';
import type { NormalizedConsoleOptions } from './options.js';
import { OutcomeCounter } from './outcomes.js';
import { renderPage } from './page.js';
import { CONSOLE_HEADERS, crossOriginRefusal, isJsonContentType } from './security.js';
import { deadLetterView, statusView, type ConsoleDeadLetters } from './views.js';

/** The console's routes, relative to its base path. */
const READS = { '': 'page', 'console.js': 'script', 'console.css': 'style', 'favicon.svg': 'icon', 'api/status': 'status', 'api/dead-letters': 'deadLetters' } as const;
const ACTIONS = { 'api/redrive': 'redrive', 'api/discard': 'discard', 'api/isolate': 'isolate', 'api/release': 'release', 'api/flush': 'flush' } as const;

/** A route of the console. */
export type ConsoleRoute = (typeof READS)[keyof typeof READS] | (typeof ACTIONS)[keyof typeof ACTIONS];

const READ_ROUTES: ReadonlySet<ConsoleRoute> = new Set(Object.values(READS));

/** What the core needs of a request, whatever the framework. */
export interface ConsoleRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The URL as the browser sent it (path and query): for the query, and the page's trailing slash. */
  url: string;
  /** Reads the JSON body (the stream, or what a body parser of the app already read). */
  body(): Promise<unknown>;
}

/** The framework-independent console: route matching and answers. */
export interface ConsoleRoutes {
  /** The route a path is for (the framework's path, relative to where the router is mounted), or `undefined` (pass it on). */
  match(path: string): ConsoleRoute | undefined;
  /** The answer of a route. Never rejects: a failure of the client or its store answers 500 (and is logged). */
  answer(route: ConsoleRoute, req: ConsoleRequest): Promise<HttpAnswer>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function answer(status: number, type: string, body: string, extra: Record<string, string> = {}): HttpAnswer {
  return { status, headers: { ...CONSOLE_HEADERS, 'content-type': type, ...extra }, body };
}

const json = (status: number, value: unknown, extra?: Record<string, string>): HttpAnswer => answer(status, JSON_TYPE, JSON.stringify(value), extra);
const failure = (status: number, error: string, extra?: Record<string, string>): HttpAnswer => json(status, { error }, extra);

/** The last segment of a path, made safe for a relative `Location` (`./segment/`). */
function slashRedirect(pathname: string): HttpAnswer {
  const segment = pathname.slice(pathname.lastIndexOf('/') + 1);
  const safe = /^[A-Za-z0-9._~%-]+$/.test(segment) ? segment : encodeURIComponent(segment);
  return answer(308, 'text/plain; charset=utf-8', 'the console is at this path with a trailing slash\n', { location: `./${safe}/` });
}

/** Builds the console's routes; starts counting the client's outcomes at once. */
export function consoleRoutes<Req>(client: CioClient, o: NormalizedConsoleOptions<Req>): ConsoleRoutes {
  const outcomes = new OutcomeCounter(client, o.outcomeWindowMs);
  const page = renderPage({ title: o.title, refreshMs: o.refreshMs, showValues: o.showValues });
  let isolation: { handle: { dispose(): void }; since: number } | undefined;

  const logFailure = (route: ConsoleRoute, err: unknown): void => {
    try {
      const e = err instanceof Error ? { name: err.name, message: err.message.slice(0, 300) } : { name: typeof err };
      client.logger.error({ route, err: e }, 'customerio-resilience: a console request failed');
    } catch {
      /* a throwing logger must not break the route */
    }
  };

  async function read(route: ConsoleRoute, query: URLSearchParams): Promise<HttpAnswer> {
    switch (route) {
      case 'page':
        return answer(200, 'text/html; charset=utf-8', page);
      case 'script':
        return answer(200, 'text/javascript; charset=utf-8', CONSOLE_JS);
      case 'style':
        return answer(200, 'text/css; charset=utf-8', CONSOLE_CSS);
      case 'icon':
        return answer(200, 'image/svg+xml', CONSOLE_ICON);
      case 'status':
        return json(
          200,
          statusView(
            client.health(),
            {
              title: o.title,
              isolation: { held: isolation !== undefined, since: isolation ? new Date(isolation.since).toISOString() : null },
              outcomes: outcomes.snapshot(),
              showValues: o.showValues,
            },
            Date.now(),
          ),
        );
      default: {
        const limit = listInput(query);
        const items = await client.deadLetters(limit);
        const body: ConsoleDeadLetters = {
          total: Math.max(client.health().queue.dead_letter, items.length),
          limit,
          items: items.map((d) => deadLetterView(d, o.showValues)),
        };
        return json(200, body);
      }
    }
  }

  async function act(route: ConsoleRoute, body: unknown): Promise<HttpAnswer> {
    switch (route) {
      case 'redrive': {
        const ids = redriveInput(body);
        return json(200, { moved: await client.redrive(ids) });
      }
      case 'discard': {
        const id = discardInput(body);
        const discarded = await client.discardDeadLetters([id]);
        return discarded === 0 ? failure(404, 'no dead letter has this id (re-driven or discarded already?)') : json(200, { discarded });
      }
      case 'isolate': {
        noInput(body);
        if (!isolation) {
          try {
            isolation = { handle: client.isolate(), since: Date.now() };
          } catch (err) {
            logFailure(route, err);
            return failure(409, 'the client could not hold its circuits open (does it have a circuit breaker?)');
          }
        }
        return json(200, { held: true, since: new Date(isolation.since).toISOString() });
      }
      case 'release': {
        noInput(body);
        const held = isolation;
        isolation = undefined;
        held?.handle.dispose();
        return json(200, { released: held !== undefined, held: false });
      }
      default: {
        const timeoutMs = flushInput(body);
        const r = await client.flush({ timeoutMs });
        return json(200, { delivered: r.delivered, remaining: r.remaining });
      }
    }
  }

  return {
    match(path) {
      if (path === o.base) return 'page';
      if (!path.startsWith(`${o.base}/`)) return undefined;
      const rest = path.slice(o.base.length + 1);
      return Object.hasOwn(READS, rest) ? READS[rest as keyof typeof READS] : Object.hasOwn(ACTIONS, rest) ? ACTIONS[rest as keyof typeof ACTIONS] : undefined;
    },

    async answer(route, req) {
      const url = new URL(req.url, 'http://console.invalid');
      try {
        if (READ_ROUTES.has(route)) {
          if (req.method !== 'GET' && req.method !== 'HEAD') return failure(405, 'this route answers GET only', { allow: 'GET, HEAD' });
          if (route === 'page' && !url.pathname.endsWith('/')) return slashRedirect(url.pathname);
          return await read(route, url.searchParams);
        }
        if (req.method !== 'POST') return failure(405, 'actions take POST only', { allow: 'POST' });
        const refusal = crossOriginRefusal(req.headers, o.trustedOrigins);
        if (refusal) return failure(403, refusal);
        if (!isJsonContentType(req.headers)) return failure(415, 'actions take a JSON body (Content-Type: application/json)');
        return await act(route, await req.body());
      } catch (err) {
        if (err instanceof ConsoleInputError) return failure(err.status, err.message);
        logFailure(route, err);
        return failure(500, 'the console could not do this; see the app log');
      }
    },
  };
}
