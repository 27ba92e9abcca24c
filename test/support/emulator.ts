import { APIClient, TrackClient } from 'customerio-node';
import type { CioEmulator } from '../../src/testing/index.js';

/** Distinctive credentials, so a test can prove they never leak into records. */
export const CREDS = Object.freeze({
  siteId: 'site-7f3a9c',
  apiKey: 'track-secret-91c2e0b7',
  appApiKey: 'app-secret-4d8e55aa',
});

/** The Basic header the SDK sends for {@link CREDS}. */
export const TRACK_AUTH = `Basic ${Buffer.from(`${CREDS.siteId}:${CREDS.apiKey}`).toString('base64')}`;

/** A real SDK Track client on the emulator, with the SDK's own retries off. */
export function trackClient(emu: CioEmulator, opts: { timeout?: number; apiKey?: string; maxRetries?: number } = {}): TrackClient {
  return new TrackClient(CREDS.siteId, opts.apiKey ?? CREDS.apiKey, {
    url: emu.trackUrl,
    timeout: opts.timeout ?? 3000,
    retry: { maxRetries: opts.maxRetries ?? 0, minTimeoutMs: 1, maxTimeoutMs: 5 },
  });
}

/** A real SDK App API client on the emulator, with the SDK's own retries off. */
export function appClient(emu: CioEmulator, appApiKey: string = CREDS.appApiKey): APIClient {
  return new APIClient(appApiKey, { url: emu.appUrl, timeout: 3000, retry: { maxRetries: 0 } });
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

/** A request with plain fetch, for what the SDK cannot send (bad JSON, no auth, missing fields). */
export async function rawRequest(
  emu: CioEmulator,
  method: string,
  path: string,
  body?: string,
  authorization: string | null = TRACK_AUTH,
): Promise<{ status: number; json: unknown; contentType: string | null }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (authorization !== null) headers['Authorization'] = authorization;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  const res = await fetch(`${emu.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : (JSON.parse(text) as unknown), contentType: res.headers.get('content-type') };
}

/** Resolve on the next macrotask (lets socket close events run). */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
