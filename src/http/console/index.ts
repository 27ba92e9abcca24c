/**
 * The operations console's framework-independent core, shared by the Express and Koa adapters:
 * options, routes, page, security rules and input checks.
 */
import type { CioClient } from '../../client/CioClient.js';
import { hasClientMethods } from '../../client/clientShape.js';
import { describeOption } from '../../internal/describe.js';
import { normalizeConsoleOptions, type CioConsoleRouterOptions } from './options.js';
import { consoleRoutes, type ConsoleRoutes } from './routes.js';

/** What an adapter mounts: the guard (admits only `true`) and the routes. */
export interface ConsoleCore<Req> {
  /** Whether a request may use the console: only a guard's `true` (not any truthy value) admits it. */
  admits(req: Req): Promise<boolean>;
  routes: ConsoleRoutes;
}

/** The client members the console uses. */
const CONSOLE_METHODS = ['health', 'on', 'deadLetters', 'redrive', 'discardDeadLetters', 'isolate', 'flush'] as const;

/** Checks the client and the options (throws at once), and builds the console. */
export function createConsole<Req>(client: unknown, options: CioConsoleRouterOptions<Req> | undefined, defaultPath: string): ConsoleCore<Req> {
  if (!hasClientMethods(client, CONSOLE_METHODS)) {
    throw new TypeError(`cioConsoleRouter: client must be a CioClient (from createCioClient) with ${CONSOLE_METHODS.join(', ')}, got ${describeOption(client)}`);
  }
  const o = normalizeConsoleOptions(options, defaultPath);
  const c: CioClient = client;
  return {
    admits: async (req) => (await o.guard(req)) === true,
    routes: consoleRoutes(c, o),
  };
}

export { readJsonBody } from './input.js';
export { CONSOLE_CSP } from './security.js';
export type { CioConsoleRouterOptions } from './options.js';
export type { ConsoleDeadLetter, ConsoleDeadLetters, ConsoleStatus } from './views.js';
export type { OutcomeCounts, OutcomeKind, OutcomeSnapshot } from './outcomes.js';
