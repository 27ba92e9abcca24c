import { expect } from 'chai';
import type { CioClient } from '../../src/client/CioClient.js';
import type { QueueStore } from '../../src/queue/store.js';
import { harness, type Harness } from './harness.js';

/** Options of {@link describeOutage}. */
export interface OutageOptions {
  /** Operations made during the outage. */
  operations: number;
  /** Makes the store under test (fresh for each test). */
  store(): Promise<{ store: QueueStore; cleanup(): Promise<void>; reopen?(): Promise<QueueStore> }>;
}

/**
 * The outage story every queue store must survive: Customer.io goes down, the app keeps
 * calling (and never waits), Customer.io comes back, and everything is delivered exactly once;
 * only the permanent failures end as dead letters.
 */
export function describeOutage(name: string, opts: OutageOptions): void {
  describe(`${name}: outage and recovery`, function () {
    this.timeout(30_000);
    let h: Harness;
    let cleanupStore: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      h = await harness();
    });
    afterEach(async () => {
      await h.cleanup();
      await cleanupStore?.();
    });

    it(`queues ${opts.operations} operations during an outage and delivers each once after recovery`, async () => {
      const made = await opts.store();
      cleanupStore = made.cleanup;
      const cio: CioClient = h.client({
        queue: made.store,
        retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
        breaker: { threshold: 3, halfOpenAfterMs: 100 },
        drain: { enabled: true, intervalMs: 20, batchSize: 50 },
        rateLimit: { perSecond: 1000, burst: 100, maxWaitMs: 1000 },
      });
      await h.emu.down();

      const n = opts.operations;
      const persons = 20;
      let slowest = 0;
      const results = [];
      const eventIds: string[] = [];
      for (let i = 0; i < n; i++) {
        const person = `p${i % persons}`;
        const started = performance.now();
        let r;
        if (i % 10 === 0) r = await cio.identify(person, { step: i });
        else if (i % 10 === 5) r = await cio.sendPush({ transactional_message_id: 3, identifiers: { id: person } }); // refused with 400 after recovery
        else r = await cio.track(person, { name: 'step', data: { i } });
        slowest = Math.max(slowest, performance.now() - started);
        results.push(r);
        if (r.eventId) eventIds.push(r.eventId);
      }
      expect(results.every((r) => r.status === 'queued'), JSON.stringify(results.find((r) => r.status !== 'queued'))).to.equal(true);
      // The app never waits for Customer.io: refused connections, then the open circuit, answer at once.
      expect(slowest).to.be.below(1000);
      // health() is read synchronously from the last figures; a flush with no time reads the store's.
      await cio.flush({ timeoutMs: 0 });
      expect(cio.health().queue.depth).to.equal(n);
      expect(cio.health().circuit_state).to.equal('OPEN');

      // Pushes (sent alone, on the App API) are refused for good once Customer.io is back: they must become dead letters.
      h.emu.fault({ status: 400, match: { operation: 'sendPush' } });
      await h.emu.up();
      const devices = results.filter((r) => r.operation === 'sendPush').length;
      const done = await cio.flush({ timeoutMs: 20_000 });
      expect(done.remaining).to.equal(0);

      const delivered = h.emu.events.map((e) => e.id);
      expect(delivered).to.have.length(eventIds.length);
      expect(new Set(delivered)).to.deep.equal(new Set(eventIds.map((id) => id.toUpperCase())));
      expect(h.emu.duplicates).to.equal(0);
      const identified = h.emu.operations.filter((o) => o.operation === 'identify' || o.action === 'identify');
      expect(identified).to.have.length(n / 10);

      const dead = await cio.deadLetters();
      expect(dead).to.have.length(devices);
      expect(dead.every((d) => d.operation === 'sendPush' && /PERMANENT/.test(d.reason))).to.equal(true);
      const health = cio.health();
      expect(health.queue).to.include({ depth: 0, dead_letter: devices, dropped: 0 });
      expect(health.circuit_state).to.equal('CLOSED');

      // Each person's events arrived in the order the app made them.
      for (let p = 0; p < persons; p++) {
        const steps = h.emu.events.filter((e) => e.personId === `p${p}`).map((e) => (e.data as { i: number }).i);
        expect(steps, `person p${p}`).to.deep.equal([...steps].sort((a, b) => a - b));
      }
    });

    it('re-drives dead letters once the cause is fixed', async () => {
      const made = await opts.store();
      cleanupStore = made.cleanup;
      const cio = h.client({ queue: made.store, drain: { enabled: true, intervalMs: 20 } });
      h.emu.fault({ status: 401, times: 1 });
      const r = await cio.identify('u1', { plan: 'pro' });
      expect(r.status).to.equal('rejected');
      const dead = await cio.deadLetters();
      expect(dead).to.have.length(1);
      expect(await cio.redrive()).to.equal(1);
      const done = await cio.flush({ timeoutMs: 5_000 });
      expect(done).to.deep.equal({ delivered: 1, remaining: 0 });
      expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
      expect(await cio.deadLetters()).to.have.length(0);
    });

    it('close() delivers what it can within its timeout and keeps the rest', async () => {
      const made = await opts.store();
      cleanupStore = made.cleanup;
      const cio = h.client({ queue: made.store, breaker: { threshold: 1, halfOpenAfterMs: 60_000 }, retry: false });
      await h.emu.down();
      for (let i = 0; i < 5; i++) expect((await cio.track('u1', { name: `e${i}` })).status).to.equal('queued');
      // Still down: close() cannot deliver, returns within its timeout and reports what is left.
      const started = Date.now();
      const result = await cio.close({ timeoutMs: 300 });
      expect(Date.now() - started).to.be.below(2_000);
      expect(result).to.deep.equal({ delivered: 0, remaining: 5 });
      if (made.reopen) {
        // A durable store kept them: a new client on the same store delivers them once.
        const again = await made.reopen();
        expect((await again.stats()).depth).to.equal(5);
        await h.emu.up();
        const next = h.client({ queue: again });
        expect(await next.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 5, remaining: 0 });
        expect(h.emu.events.map((e) => e.name)).to.deep.equal(['e0', 'e1', 'e2', 'e3', 'e4']);
      }
    });
  });
}
