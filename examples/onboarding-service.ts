/**
 * A service class whose methods talk to Customer.io with the official SDK, made resilient with
 * `@Resilient()`: each method runs under the client's retry, circuit breaker, rate limit, timeout and
 * idempotency guard, and says what to do when Customer.io stays down: queue the call for replay,
 * throw a typed error, or answer a fallback value.
 *
 * This file uses standard (TC39) decorators. The same class works under `experimentalDecorators`
 * (NestJS): there, call `registerResilient(this)` in `onModuleInit()` so queued calls replay
 * before the first call.
 *
 * Run it against a local Customer.io emulator: `npx tsx examples/onboarding-service.ts`.
 * In an app of your own, import from 'customerio-resilience'.
 */
import { pathToFileURL } from 'node:url';
import { TrackClient } from 'customerio-node';
import { createCioClient, isCioError, type CioClient, type CioResult } from '../src/index.js';
import { Resilient, setDefaultCioClient } from '../src/decorators/index.js';
import { EMULATOR_DEFAULTS, startCioEmulator, type CioEmulator } from '../src/testing/index.js';

/** A user who just signed up. */
export interface NewUser {
  id: string;
  email: string;
  plan: 'free' | 'pro';
}

/** Onboarding messages. The SDK's own retries are off: `@Resilient()` owns the policy. */
export class OnboardingService {
  constructor(private readonly track: TrackClient) {}

  /** Identifies the user and sends `signed_up`; while Customer.io is down, the call waits in the queue. */
  @Resilient({ operation: 'onboarding.welcome', fallback: 'queue' })
  async welcome(user: NewUser): Promise<void> {
    await this.track.identify(user.id, { email: user.email, plan: user.plan });
    await this.track.track(user.id, { name: 'signed_up', data: { plan: user.plan } });
  }

  /** Part of a checkout: the caller must know when it failed, so it throws a typed `CioError`. */
  @Resilient({ operation: 'onboarding.upgrade', fallback: 'throw' })
  async upgrade(userId: string, plan: NewUser['plan']): Promise<void> {
    await this.track.identify(userId, { plan });
  }

  /** Reports whether the nudge was sent; `false` when Customer.io cannot be reached. */
  @Resilient<[userId: string]>({ operation: 'onboarding.nudge', fallback: () => false })
  async nudge(userId: string): Promise<boolean | undefined> {
    await this.track.track(userId, { name: 'profile_incomplete' });
    return true;
  }
}

/** What the walk-through below saw. */
export interface DemoSummary {
  welcomed: CioResult['status'][];
  circuitDuringOutage: string;
  upgradeError: string | undefined;
  nudged: boolean | undefined;
  flushed: { delivered: number; remaining: number };
  events: string[];
}

/** Makes the SDK client the service uses, pointed at `trackUrl`. */
export function trackClient(trackUrl: string, siteId: string, apiKey: string): TrackClient {
  return new TrackClient(siteId, apiKey, { url: trackUrl, retry: { maxRetries: 0 }, timeout: 2_000 });
}

/**
 * Walks through an outage with the emulator: a welcome that is sent, a welcome queued while
 * Customer.io answers 503, an upgrade that throws, a nudge that falls back, then recovery and replay.
 * `cio` should retry 3 times, open its circuit after 5 failures and half-open well within 5 s.
 */
export async function runOnboardingDemo(emu: CioEmulator, cio: CioClient, service: OnboardingService): Promise<DemoSummary> {
  const welcomed: CioResult['status'][] = [];
  const stop = cio.on('result', (r) => {
    if (r.operation === 'onboarding.welcome') welcomed.push(r.status);
  });
  await service.welcome({ id: 'ada', email: 'ada@example.com', plan: 'pro' });

  const outage = emu.fault({ status: 503 });
  await service.welcome({ id: 'bob', email: 'bob@example.com', plan: 'free' });
  let upgradeError: string | undefined;
  try {
    await service.upgrade('ada', 'free');
  } catch (err) {
    upgradeError = isCioError(err) ? err.code : String(err);
  }
  // Six failed attempts (two calls, three attempts each) opened the circuit: the nudge does not even run.
  const nudged = await service.nudge('bob');
  const circuitDuringOutage = cio.health().circuit_state;

  outage.remove();
  // Waits for the circuit to half-open, then replays the queued welcome on this service.
  const flushed = await cio.flush({ timeoutMs: 5_000 });
  stop();
  return { welcomed, circuitDuringOutage, upgradeError, nudged, flushed, events: emu.events.map((e) => `${e.personId}:${e.name}`) };
}

async function main(): Promise<void> {
  const emu = await startCioEmulator();
  const { siteId, apiKey } = EMULATOR_DEFAULTS;
  const cio = createCioClient({
    siteId,
    apiKey,
    trackUrl: emu.trackUrl,
    retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 200 },
    breaker: { threshold: 5, halfOpenAfterMs: 1_000 },
  });
  setDefaultCioClient(cio);
  // Constructed after the default client is set, so it registers to replay queued welcomes.
  const service = new OnboardingService(trackClient(emu.trackUrl, siteId, apiKey));
  try {
    const summary = await runOnboardingDemo(emu, cio, service);
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await cio.close({ timeoutMs: 2_000 });
    await emu.close();
  }
}

// No top-level await: the test suite loads this file with require() (Node.js >= 22.12 can require ES modules without it).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
