/**
 * The Nest app end to end, run by Jest in CommonJS mode (ts-jest), as a Nest project runs its
 * tests: Jest's module runtime cannot load ES modules, so this passes only because the package
 * ships a CommonJS build. Customer.io is the package's local emulator.
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { getResilientOptions, isCioError, silentLogger, type CioClient } from 'customerio-resilience';
import { EMULATOR_DEFAULTS, startCioEmulator, type CioEmulator } from 'customerio-resilience/testing';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { CIO_CLIENT } from '../src/customerio/customerio.module';
import { OnboardingService } from '../src/onboarding/onboarding.service';

describe('a NestJS app with customerio-resilience (Jest, CommonJS)', () => {
  let emu: CioEmulator;
  let app: INestApplication;
  let cio: CioClient;
  const events = (): string[] => emu.events.map((e) => `${e.personId}:${e.name}`).sort();

  beforeAll(async () => {
    emu = await startCioEmulator();
    const { siteId, apiKey } = EMULATOR_DEFAULTS;
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          siteId,
          apiKey,
          trackUrl: emu.trackUrl,
          retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 50 },
          breaker: { threshold: 2, halfOpenAfterMs: 300 },
          logger: silentLogger,
        }),
      ],
    }).compile();
    app = configureApp(moduleRef.createNestApplication({ logger: false }));
    await app.init();
    cio = app.get<CioClient>(CIO_CLIENT);
  });

  afterAll(async () => {
    await app?.close(); // CustomerioModule closes the client
    await emu?.close();
  });

  it('runs in CommonJS and loads the package’s CommonJS build', () => {
    expect(typeof module).toBe('object');
    expect(require.resolve('customerio-resilience')).toMatch(/customerio-resilience[\\/]dist[\\/]cjs[\\/]index\.js$/);
    expect(require.resolve('customerio-resilience/express')).toMatch(/dist[\\/]cjs[\\/]http[\\/]express\.js$/);
  });

  it('serves GET /health/customerio', async () => {
    const res = await request(app.getHttpServer()).get('/health/customerio').expect(200);
    expect(res.body.customerio).toMatchObject({ status: 'pass', circuit_state: 'CLOSED', failure_count: 0 });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('injects the service by its constructor types and keeps its @Resilient() options', () => {
    const service = app.get(OnboardingService);
    expect(Reflect.getMetadata('design:paramtypes', OnboardingService)).toHaveLength(2);
    expect(getResilientOptions(service, 'upgrade')).toEqual({ operation: 'onboarding.upgrade', fallback: 'throw' });
  });

  it('signs up: the request-scoped event and the @Resilient() welcome reach Customer.io', async () => {
    await request(app.getHttpServer()).post('/signup').send({ id: 'ada', email: 'ada@example.com', plan: 'pro' }).expect(201);
    await emu.waitForEvents(2);
    expect(events()).toEqual(['ada:signed_up', 'ada:signup_form_submitted']);
    expect(emu.people.get('ada')).toMatchObject({ email: 'ada@example.com', plan: 'pro' });
  });

  it('returns the Promise<string> of a fallback: "throw" method, and answers 503 with its typed error while Customer.io fails', async () => {
    await request(app.getHttpServer()).post('/users/ada/plan').send({ plan: 'free' }).expect(201, { plan: 'free' });
    const outage = emu.fault({ status: 503 });
    try {
      const res = await request(app.getHttpServer()).post('/users/ada/plan').send({ plan: 'pro' }).expect(503);
      expect(['TRANSIENT', 'CIRCUIT_OPEN']).toContain(res.body.code);
      const err = await app.get(OnboardingService).upgrade('ada', 'pro').catch((e: unknown) => e);
      expect(isCioError(err)).toBe(true);
    } finally {
      outage.remove();
    }
    await cio.flush({ timeoutMs: 5_000 });
  });

  it('never fails a signup while Customer.io is down: queues, reports 503 on the health route, replays once back', async () => {
    const outage = emu.fault({ status: 503 });
    try {
      await request(app.getHttpServer()).post('/signup').send({ id: 'bob', email: 'bob@example.com', plan: 'free' }).expect(201);
      await request(app.getHttpServer()).post('/users/bob/plan').send({ plan: 'pro' }).expect(503);
      const health = await request(app.getHttpServer()).get('/health/customerio').expect(503);
      expect(health.body.customerio.circuit_state).toBe('OPEN');
      expect(health.body.customerio.queue.depth).toBeGreaterThanOrEqual(1);
    } finally {
      outage.remove();
    }
    const flushed = await cio.flush({ timeoutMs: 5_000 });
    expect(flushed.remaining).toBe(0);
    expect(events()).toEqual(expect.arrayContaining(['bob:signed_up', 'bob:signup_form_submitted']));
    await request(app.getHttpServer()).get('/health/customerio').expect(200);
  });
});
