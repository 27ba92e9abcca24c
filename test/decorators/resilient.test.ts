/**
 * `@Resilient()` in both TypeScript decorator modes: the fixtures are compiled by the native `tsc`
 * with `experimentalDecorators` + `emitDecoratorMetadata` (as NestJS uses) and with standard
 * decorators, and the same behaviours are checked against the emulator for each.
 */
import { expect } from 'chai';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioEvents } from '../../src/client/events.js';
import type { CioLogger } from '../../src/client/logger.js';
import type { CioClientOptions } from '../../src/client/options.js';
import type { QueueStore } from '../../src/queue/store.js';
import { capturingLogger, CREDS, ERROR_TEXTS, fastOptions, harness, type Harness } from '../support/harness.js';
import { compileFixtures, importCompiled, type DecoratorMode } from './compile.js';

type Services = typeof import('./fixtures/services.js');
type StandardOnly = typeof import('./fixtures/standardOnly.js');
type PromiseTypes = typeof import('./fixtures/promiseTypes.js');
type Result = CioEvents['result'];

/** Writes to a test's own lines and to the suite's (for the credential check). */
function teeLogger(lines: string[]): CioLogger {
  const local = capturingLogger(lines);
  const suite = capturingLogger();
  const both = (level: keyof CioLogger) => (obj: object, msg?: string) => {
    local[level](obj, msg);
    suite[level](obj, msg);
  };
  return { debug: both('debug'), info: both('info'), warn: both('warn'), error: both('error') };
}

/** A queue store that outlives its clients (as a durable store does across restarts): close() is a no-op. */
function durable(store: QueueStore): QueueStore {
  return {
    name: store.name,
    push: (e) => store.push(e),
    take: (n, lease) => store.take(n, lease),
    ack: (ids) => store.ack(ids),
    retry: (ids, d, last) => store.retry(ids, d, last),
    deadLetter: (ids, reason) => store.deadLetter(ids, reason),
    addDeadLetter: (e, reason) => store.addDeadLetter(e, reason),
    listDeadLetters: (limit) => store.listDeadLetters(limit),
    redrive: (ids) => store.redrive(ids),
    stats: () => store.stats(),
    close: async () => {},
  };
}

const USER = Object.freeze({ id: 'user-1', plan: 'pro' });

const compiled = new Map<DecoratorMode, Promise<number>>();

for (const mode of ['legacy', 'standard'] as const) {
  describe(`decorators: @Resilient() compiled with ${mode} decorators`, function () {
    this.timeout(30_000);
    let m: Services;
    let h: Harness;
    let lines: string[];
    let results: Result[];
    let clients: CioClient[];

    /** A client of the compiled package copy (the one the fixtures' decorators use). */
    function client(extra: CioClientOptions = {}): CioClient {
      const c = m.createCioClient(fastOptions(h.emu, { logger: teeLogger(lines), ...extra }));
      c.on('result', (r) => {
        results.push(r);
        if (r.error) ERROR_TEXTS.push(`${JSON.stringify(r)} ${r.error.message} ${r.error.stack ?? ''} ${String(r.error.cause ?? '')}`);
      });
      clients.push(c);
      return c;
    }

    function gateway(): InstanceType<Services['TrackGateway']> {
      return new m.TrackGateway({ url: h.emu.trackUrl, siteId: CREDS.siteId, apiKey: CREDS.apiKey });
    }

    function service(): InstanceType<Services['OnboardingService']> {
      return new m.Container().provide(m.TrackGateway, gateway()).resolve(m.OnboardingService);
    }

    const warnings = (): string[] => lines.filter((l) => l.includes('"level":"warn"'));
    const resultsOf = (operation: string): Result[] => results.filter((r) => r.operation === operation);

    before(async () => {
      // Both modes compile at once, in the first `before` that runs.
      if (!compiled.has('legacy')) for (const mo of ['legacy', 'standard'] as const) compiled.set(mo, compileFixtures(mo));
      await compiled.get(mode);
      m = await importCompiled<Services>(mode, 'fixtures/services.js');
    });
    beforeEach(async () => {
      h = await harness();
      lines = [];
      results = [];
      clients = [];
    });
    afterEach(async () => {
      m.setDefaultCioClient(undefined);
      await Promise.all(clients.map((c) => c.close({ timeoutMs: 0 })));
      await h.cleanup();
    });

    it(`is compiled in ${mode} mode`, () => {
      expect(m.MODE).to.equal(mode);
    });

    it('passes the value through, running the method on its instance with the injected dependency', async () => {
      const cio = client();
      m.setDefaultCioClient(cio);
      expect(m.getDefaultCioClient()).to.equal(cio);
      const svc = service();
      expect(await svc.greet('ada')).to.equal('hello ada');
      expect(svc.entered['greet']).to.deep.equal([['ada']]);
      expect(resultsOf('OnboardingService.greet').map((r) => r.status)).to.deep.equal(['sent']);

      expect(await svc.welcome(USER)).to.equal(undefined);
      await h.emu.waitForEvents(1);
      expect(h.emu.events[0]).to.include({ name: 'welcome', personId: USER.id });
      expect(h.emu.events[0]?.data).to.deep.equal({ plan: 'pro' });
      expect(resultsOf('onboarding.welcome')[0]).to.include({ status: 'sent', attempts: 1 });
    });

    it(`works on a NestJS-style @Injectable() service (design:paramtypes ${mode === 'legacy' ? 'emitted' : 'absent in standard mode'})`, async () => {
      if (mode === 'legacy') {
        expect(m.PARAMTYPES.get(m.OnboardingService)).to.deep.equal([m.TrackGateway]);
        expect(Reflect.getMetadata('design:paramtypes', m.OnboardingService.prototype, 'welcome')).to.deep.equal([Object, String]);
        expect(Reflect.getMetadata('design:returntype', m.OnboardingService.prototype, 'greet')).to.equal(Promise);
      } else {
        expect(m.PARAMTYPES.has(m.OnboardingService)).to.equal(true);
        expect(m.PARAMTYPES.get(m.OnboardingService)).to.equal(undefined);
      }
      const cio = client();
      m.setDefaultCioClient(cio);
      const container = new m.Container().provide(m.TrackGateway, gateway());
      const svc = container.resolve(m.OnboardingService);
      expect(container.resolve(m.OnboardingService)).to.equal(svc);
      expect(svc.gateway).to.be.instanceOf(m.TrackGateway);
      expect(await svc.plan('u7')).to.equal('pro');
      expect(svc.gateway.calls).to.equal(1);
      // Metadata other decorators put on the method function (as NestJS's do) survives the wrapping.
      expect(Reflect.getMetadata('route:path', m.OnboardingService.prototype.greet)).to.equal('/greet');
      expect(m.OnboardingService.prototype.greet.name).to.equal('greet');
    });

    it('keeps the options with reflect-metadata, readable by getResilientOptions()', async () => {
      const cio = client();
      const Bound = m.boundService(cio);
      // Readable before any instance exists (standard decorators write the metadata at construction).
      expect(m.getResilientOptions(Bound, 'hello')).to.deep.equal({ client: cio, operation: 'bound.hello' });
      const bound = new Bound();
      expect(Reflect.getOwnMetadata(m.RESILIENT_METADATA, Bound.prototype, 'hello')).to.deep.equal({ client: cio, operation: 'bound.hello' });
      expect(m.getResilientOptions(bound, 'hello')).to.equal(m.getResilientOptions(Bound.prototype, 'hello'));

      m.setDefaultCioClient(cio);
      const svc = service();
      const welcome = m.getResilientOptions(m.OnboardingService.prototype, 'welcome');
      expect(welcome).to.deep.equal({ operation: 'onboarding.welcome', fallback: 'queue' });
      expect(Object.isFrozen(welcome)).to.equal(true);
      expect(m.getResilientOptions(svc, 'welcome')).to.equal(welcome);
      expect(m.getResilientOptions(m.OnboardingService, 'welcome')).to.equal(welcome);
      expect(m.getResilientOptions(svc, 'greet')).to.deep.equal({});
      expect(m.getResilientOptions(svc, 'constructor')).to.equal(undefined);
      expect(m.getResilientOptions(svc, 'nope')).to.equal(undefined);
      expect(m.getResilientOptions(m.FlakyService, 'ping')).to.deep.equal({ fallback: 'throw' });
      expect(m.getResilientOptions(svc, 'plan')?.fallback).to.be.a('function');
    });

    it('uses the client option over the default client, and names static methods ClassName.method', async () => {
      const main = client();
      const other = client();
      m.setDefaultCioClient(main);
      const seen: string[] = [];
      other.on('result', (r) => seen.push(r.operation));
      expect(await new (m.boundService(other))().hello('bo')).to.equal('hi bo');
      expect(seen).to.deep.equal(['bound.hello']);
      expect(await m.FlakyService.ping()).to.equal('pong');
      expect(resultsOf('FlakyService.ping').map((r) => r.status)).to.deep.equal(['sent']);
    });

    it('retries transient failures: SDK 5xx answers, Node.js network errors and typed CioErrors', async () => {
      m.setDefaultCioClient(client());
      const svc = service();
      h.emu.fault({ status: 503, times: 2 });
      expect(await svc.welcome(USER)).to.equal(undefined);
      expect(svc.gateway.calls).to.equal(3);
      expect(resultsOf('onboarding.welcome')[0]).to.include({ status: 'sent', attempts: 3 });
      await h.emu.waitForEvents(1);
      expect(h.emu.events).to.have.length(1);

      const flaky = new m.FlakyService();
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
      flaky.failures = [refused, m.transientError('try later')];
      expect(await flaky.double(4)).to.equal(8);
      expect(flaky.attempts).to.equal(3);

      // Anything else is a permanent UNKNOWN error: not retried, resolved undefined and logged.
      flaky.attempts = 0;
      flaky.failures = [new Error('a bug')];
      expect(await flaky.double(5)).to.equal(undefined);
      expect(flaky.attempts).to.equal(1);
      expect(warnings().some((l) => l.includes('flaky.double failed (UNKNOWN'))).to.equal(true);
    });

    it('shares the circuit breaker: while the client opened it, the method does not run', async () => {
      const cio = client();
      m.setDefaultCioClient(cio);
      const svc = service();
      h.emu.fault({ status: 503 });
      await cio.track('u1', { name: 'a' });
      await cio.track('u1', { name: 'b' });
      expect(cio.health().circuit_state).to.equal('OPEN');
      const requests = h.emu.requests.length;

      expect(await svc.greet('eve')).to.equal(undefined);
      expect(svc.entered['greet']).to.equal(undefined);
      expect(warnings().some((l) => l.includes('OnboardingService.greet failed (CIRCUIT_OPEN'))).to.equal(true);
      let thrown: unknown;
      await svc.activate('u1').catch((err: unknown) => (thrown = err));
      expect(m.isCioCircuitOpenError(thrown)).to.equal(true);
      expect(svc.gateway.calls).to.equal(0);
      expect(h.emu.requests.length).to.equal(requests);
    });

    it("counts the method's failures towards the client's breaker", async () => {
      const cio = client();
      m.setDefaultCioClient(cio);
      const flaky = new m.FlakyService();
      flaky.failures = Array.from({ length: 10 }, () => m.transientError('down'));
      expect(await flaky.double(1)).to.equal(undefined);
      expect(cio.health()).to.include({ circuit_state: 'CLOSED', failure_count: 3 });
      expect(await flaky.double(2)).to.equal(undefined);
      expect(flaky.attempts).to.equal(5);
      expect(cio.health().circuit_state).to.equal('OPEN');
      const own = await cio.track('u1', { name: 'blocked' });
      expect(own.error?.code).to.equal('CIRCUIT_OPEN');
      expect(h.emu.requests).to.have.length(0);
    });

    it("resolves undefined and logs a warning by default; never rejects", async () => {
      m.setDefaultCioClient(client());
      const flaky = new m.FlakyService();
      flaky.failures = [m.transientError('a'), m.transientError('b'), m.transientError('c')];
      const value = await flaky.double(3);
      expect(value).to.equal(undefined);
      expect(flaky.attempts).to.equal(3);
      const warning = warnings().find((l) => l.includes('flaky.double'));
      expect(warning).to.be.a('string');
      expect(JSON.parse(warning!)).to.include({ operation: 'flaky.double', code: 'TRANSIENT', retryable: true });
    });

    it("rejects with the typed CioError with fallback: 'throw'", async () => {
      m.setDefaultCioClient(client());
      const svc = service();
      h.emu.fault({ status: 400, times: 1 });
      let thrown: unknown;
      await svc.activate('u1').catch((err: unknown) => (thrown = err));
      expect(m.isCioError(thrown)).to.equal(true);
      expect(m.isCioHttpError(thrown)).to.equal(true);
      expect(thrown).to.include({ code: 'PERMANENT', status: 400, retryable: false });
      expect(svc.gateway.calls).to.equal(1);

      const flaky = new m.FlakyService();
      flaky.failures = [m.transientError('a'), m.transientError('b'), m.transientError('c')];
      const err = await flaky.strict(1).then(() => undefined, (e: unknown) => e);
      expect(m.isCioError(err) && err.code).to.equal('TRANSIENT');
      flaky.failures = [m.transientError('once')];
      expect(await flaky.strict(2)).to.equal(4);
    });

    it('does not repeat a non-repeatable method after an ambiguous failure (repeatable: false)', async () => {
      m.setDefaultCioClient(client());
      const flaky = new m.FlakyService();
      const timedOut = () => new m.CioNetworkError('TIMEOUT', 'timed out', true, { maybeDelivered: true });
      flaky.failures = [timedOut()];
      const err = await flaky.once(1).then(() => undefined, (e: unknown) => e);
      expect(m.isCioError(err) && err.code).to.equal('AMBIGUOUS');
      expect(flaky.attempts).to.equal(1);
      // The same failure is retried where a repeat is harmless.
      flaky.attempts = 0;
      flaky.failures = [timedOut()];
      expect(await flaky.strict(1)).to.equal(2);
      expect(flaky.attempts).to.equal(2);
    });

    it("runs a method given api: 'app' under the App API's policies: a Track outage does not refuse it", async () => {
      const cio = client({ retry: { maxAttempts: 1 }, breaker: { threshold: 1, halfOpenAfterMs: 60_000 } });
      m.setDefaultCioClient(cio);
      h.emu.fault({ status: 503, match: { api: 'track' } });
      expect((await cio.track('u1', { name: 'opens' })).status).to.equal('queued');
      expect(cio.health().apis.track.circuit_state).to.equal('OPEN');
      const svc = new m.FlakyService();
      expect(await svc.onApp(21)).to.equal(42);
      const refused = await svc.strict(1).then(
        () => 'resolved',
        (err: { code?: string }) => err.code,
      );
      expect(refused, 'under the Track API (the default) the open circuit refuses it').to.equal('CIRCUIT_OPEN');
      expect(resultsOf('flaky.onApp').map((r) => [r.status, r.api])).to.deep.equal([['sent', 'app']]);
      expect(resultsOf('flaky.strict').map((r) => r.api)).to.deep.equal(['track']);
    });

    it('resolves what a fallback function returns; a fallback that throws is logged', async () => {
      m.setDefaultCioClient(client());
      const svc = service();
      h.emu.fault({ status: 503 });
      expect(await svc.plan('u9')).to.equal('fallback:TRANSIENT:u9:true');
      expect(await svc.broken('u9')).to.equal(undefined);
      expect(warnings().some((l) => l.includes('the fallback of onboarding.broken threw'))).to.equal(true);
    });

    it("fallback: 'queue' keeps the call and replays it by operation name once Customer.io is back", async () => {
      const cio = client();
      m.setDefaultCioClient(cio);
      const svc = service();
      const queued: string[] = [];
      cio.on('queued', (e) => queued.push(e.operation));
      await h.emu.down();
      expect(await svc.welcome(USER, 'signup')).to.equal(undefined);
      expect(resultsOf('onboarding.welcome').map((r) => r.status)).to.deep.equal(['queued']);
      expect(queued).to.deep.equal(['onboarding.welcome']);
      expect(cio.health().queue.depth).to.equal(1);
      const tries = svc.entered['welcome']?.length ?? 0;
      expect(tries).to.equal(3);

      await h.emu.up();
      expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
      expect(svc.entered['welcome']).to.have.length(tries + 1);
      expect(svc.entered['welcome']?.at(-1)).to.deep.equal([USER, 'signup']);
      expect(h.emu.events.map((e) => [e.name, e.personId, e.data])).to.deep.equal([['welcome', USER.id, { plan: 'pro', source: 'signup' }]]);
    });

    it("replays in a fresh client and instance after a restart, once the instance registers", async () => {
      const store = durable(m.memoryQueue());
      const before = client({ queue: store });
      m.setDefaultCioClient(before);
      const first = service();
      await h.emu.down();
      await first.welcome(USER, 'before-restart');
      expect(before.health().queue.depth).to.equal(1);
      await before.close({ timeoutMs: 0 });
      const enteredBefore = first.entered['welcome']?.length;

      await h.emu.up();
      const after = client({ queue: store });
      m.setDefaultCioClient(after);
      const second = service();
      if (mode === 'legacy') {
        // No per-instance hook in this mode: nothing is registered until a call or registerResilient().
        expect(await after.flush({ timeoutMs: 200 })).to.deep.include({ delivered: 0, remaining: 1 });
        expect(m.registerResilient(second)).to.include('onboarding.welcome');
      }
      // Standard decorators: the instance registered itself when it was constructed.
      expect(await after.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
      expect(second.entered['welcome']).to.deep.equal([[USER, 'before-restart']]);
      expect(first.entered['welcome']?.length).to.equal(enteredBefore);
      expect(h.emu.events.map((e) => e.data)).to.deep.equal([{ plan: 'pro', source: 'before-restart' }]);
    });

    it('registerResilient() registers every decorated method, with the given or the default client', async () => {
      const cio = client();
      const svc = service();
      expect(() => m.registerResilient(svc)).to.throw(m.CioConfigError, /no Customer.io client/);
      const names = m.registerResilient(svc, cio);
      expect([...names].sort()).to.deep.equal(
        ['OnboardingService.greet', 'onboarding.activate', 'onboarding.broken', 'onboarding.order', 'onboarding.plan', 'onboarding.remind', 'onboarding.welcome'].sort(),
      );
      expect(() => m.registerResilient(null as never)).to.throw(TypeError);
    });

    it("falls back to the default behaviour when a queued call's arguments are not JSON data", async () => {
      const cio = client();
      m.setDefaultCioClient(cio);
      const svc = service();
      await h.emu.down();
      expect(await svc.remind(USER, new Date())).to.equal(undefined);
      expect(cio.health().queue.depth).to.equal(0);
      expect(resultsOf('onboarding.remind').map((r) => r.status)).to.deep.equal(['failed']);
      expect(warnings().some((l) => l.includes('cannot be queued') && l.includes('args[1] (a Date)'))).to.equal(true);
      expect(warnings().some((l) => l.includes('onboarding.remind failed (NETWORK'))).to.equal(true);
    });

    it('behaves per fallback with a CioConfigError when there is no client', async () => {
      const flaky = new m.FlakyService();
      const err = await flaky.strict(1).then(() => undefined, (e: unknown) => e);
      expect(m.isCioConfigError(err)).to.equal(true);
      expect(flaky.attempts).to.equal(0);
      const svc = new m.OnboardingService(gateway());
      expect(await svc.plan('u2')).to.equal('fallback:CONFIG:u2:true');

      // The default fallback logs with the default logger (warnings to stderr).
      const written: string[] = [];
      const write = process.stderr.write;
      process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as unknown as typeof process.stderr.write;
      try {
        expect(await flaky.double(1)).to.equal(undefined);
      } finally {
        process.stderr.write = write;
      }
      expect(written.join('')).to.match(/no Customer.io client/);
      expect(flaky.attempts).to.equal(0);
    });

    it('runs every call without a key; with one, once per key, concurrent calls sharing the value', async () => {
      m.setDefaultCioClient(client());
      const svc = service();
      expect(await svc.order('o1', 'first')).to.equal('o1:first');
      expect(await svc.order('o1', 'second')).to.equal(undefined);
      expect(await svc.order('o2', 'second')).to.equal('o2:second');
      expect(svc.entered['order']).to.deep.equal([['o1', 'first'], ['o2', 'second']]);
      expect(resultsOf('onboarding.order').map((r) => r.status)).to.deep.equal(['sent', 'duplicate', 'sent']);
      expect(resultsOf('onboarding.order')[0]?.idempotencyKey).to.equal('order:o1');
      expect(await svc.greet('same')).to.equal('hello same');
      expect(await svc.greet('same')).to.equal('hello same'); // identical arguments are not a repeat
      expect(await Promise.all([svc.order('o3', 'a'), svc.order('o3', 'b')])).to.deep.equal(['o3:a', 'o3:a']);
      expect(svc.entered['order']).to.deep.equal([['o1', 'first'], ['o2', 'second'], ['o3', 'a']]);
    });

    it('validates its options when the class is defined', () => {
      expect(() => m.Resilient({ operation: 'track' })).to.throw(RangeError, /built-in/);
      expect(() => m.Resilient({ operation: '' })).to.throw(TypeError, /operation/);
      expect(() => m.Resilient({ fallback: 'retry' as never })).to.throw(TypeError, /fallback must be 'queue', 'throw' or a function, got "retry"/);
      expect(() => m.Resilient({ repeatable: 'yes' as never })).to.throw(TypeError, /repeatable/);
      expect(() => m.Resilient({ client: {} as never })).to.throw(TypeError, /client/);
      expect(() => (m.Resilient as unknown as (...a: unknown[]) => unknown)(() => undefined, { kind: 'method', name: 'm' })).to.throw(TypeError, /with parentheses/);
      const decorate = m.Resilient() as unknown as (...a: unknown[]) => unknown;
      expect(() => decorate(undefined, { kind: 'field', name: 'x', addInitializer() {} })).to.throw(TypeError, /only decorate a method/);
      expect(() => decorate({}, 'x', { get: () => 1 })).to.throw(TypeError, /only decorate a method/);
      expect(() => m.setDefaultCioClient({} as never)).to.throw(TypeError);
    });

    it("compiles methods declaring Promise<T> with fallback: 'throw', and resolves their values", async () => {
      // tsc would have failed the `before` hook (TS1241) if a Promise<T> with 'throw' did not
      // compile, or if one of the fixture's @ts-expect-error lines (unsound results) did.
      const { Catalog } = await importCompiled<PromiseTypes>(mode, 'fixtures/promiseTypes.js');
      m.setDefaultCioClient(client());
      const c = new Catalog();
      expect(await c.name('a')).to.equal('name-a');
      expect(await c.count()).to.equal(3);
      expect(await c.account('b')).to.deep.equal({ id: 'b', credits: 1 });
      expect(await c.tags()).to.deep.equal(['a', 'b']);
      expect([...(await c.index()).keys()]).to.deep.equal(['x']);
      expect(await c.maybe()).to.equal('maybe');
      expect(resultsOf('catalog.name').map((r) => r.status)).to.deep.equal(['sent']);
      m.setDefaultCioClient(undefined);
      // With 'throw', a failure rejects instead of resolving undefined (no client: CONFIG).
      const err = await c.name('z').then(() => undefined, (e: unknown) => e);
      expect(m.isCioError(err) && err.code).to.equal('CONFIG');
    });

    if (mode === 'standard') {
      it('decorates #private methods (standard decorators only)', async () => {
        const { SecretService } = await importCompiled<StandardOnly>(mode, 'fixtures/standardOnly.js');
        m.setDefaultCioClient(client());
        const secret = new SecretService();
        expect(await secret.compute(1)).to.equal(2);
        expect(resultsOf('secret.compute').map((r) => r.status)).to.deep.equal(['sent']);
      });
    }
  });
}
