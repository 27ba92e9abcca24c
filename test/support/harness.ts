import { startCioEmulator, type CioEmulator } from '../../src/testing/index.js';
import { createCioClient } from '../../src/client/createCioClient.js';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioClientOptions } from '../../src/client/options.js';
import type { CioLogger } from '../../src/client/logger.js';

/** Credentials used across the suite; every log line and error is checked for them. */
export const CREDS = Object.freeze({
  siteId: 'site-7f3a9c1e55',
  apiKey: 'trk-key-5b8e2d4f9a7c61e0',
  appApiKey: 'app-key-c4d91e7b3a2f8056',
  writeKey: 'wk-pipelines-9e1d7c3b5a',
});

/** Strings that must never show in logs, errors, health output or metrics. */
export const SECRETS: readonly string[] = [
  CREDS.apiKey,
  CREDS.appApiKey,
  CREDS.writeKey,
  Buffer.from(`${CREDS.siteId}:${CREDS.apiKey}`).toString('base64'),
  Buffer.from(`${CREDS.writeKey}:`).toString('base64'),
];

/** Every log line written by any client made with {@link makeClient}, for the credential check. */
export const LOG_LINES: string[] = [];

/** Every error a call resolved with, serialised with its message and stack, for the credential check. */
export const ERROR_TEXTS: string[] = [];

/** A pino-compatible logger that records what it is given. */
export function capturingLogger(into: string[] = LOG_LINES): CioLogger {
  const write = (level: string) => (obj: object, msg?: string) => {
    into.push(JSON.stringify({ level, msg, ...obj }));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Fast test defaults: short delays, a small breaker threshold, no rate limit. */
export function fastOptions(emu: CioEmulator, extra: CioClientOptions = {}): CioClientOptions {
  return {
    ...CREDS,
    trackUrl: emu.trackUrl,
    appUrl: emu.appUrl,
    pipelinesUrl: emu.pipelinesUrl,
    timeoutMs: 500,
    retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 },
    breaker: { threshold: 5, halfOpenAfterMs: 60_000 },
    rateLimit: false,
    logger: capturingLogger(),
    drain: { enabled: false },
    ...extra,
  };
}

/** A started emulator and the clients made against it; `cleanup()` closes them all. */
export interface Harness {
  emu: CioEmulator;
  client(extra?: CioClientOptions): CioClient;
  cleanup(): Promise<void>;
}

/** Starts an emulator with {@link CREDS} (and its clock, `now`, when given). */
export async function harness(now?: () => number): Promise<Harness> {
  const { writeKey, ...track } = CREDS;
  const emu = await startCioEmulator({ ...track, pipelinesWriteKey: writeKey, ...(now ? { now } : {}) });
  const clients: CioClient[] = [];
  return {
    emu,
    client(extra = {}) {
      const c = createCioClient(fastOptions(emu, extra));
      c.on('result', (r) => {
        if (r.error) ERROR_TEXTS.push(`${JSON.stringify(r)} ${r.error.message} ${r.error.stack ?? ''} ${String(r.error.cause ?? '')}`);
      });
      clients.push(c);
      return c;
    },
    async cleanup() {
      await Promise.all(clients.map((c) => c.close({ timeoutMs: 0 })));
      await emu.close();
    },
  };
}

/** Asserts that no secret appears in `text`; returns the text for chaining. */
export function assertNoSecrets(text: string, where: string): void {
  for (const secret of SECRETS) {
    if (text.includes(secret)) throw new Error(`a credential appears in ${where}`);
  }
}
