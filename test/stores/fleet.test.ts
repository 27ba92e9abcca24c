import { expect } from 'chai';
import { bullmqQueue, redisIdempotencyStore } from '../../src/stores/redis.js';
import { harness, type Harness } from '../support/harness.js';
import { REDIS, deleteRedisKeys, uniquePrefix } from '../support/storeKit.js';

describe('a fleet: two clients on one BullMQ queue and one Redis idempotency store', function () {
  this.timeout(30_000);
  let h: Harness;
  let prefix: string;
  beforeEach(async () => {
    h = await harness();
    prefix = uniquePrefix('fleet');
  });
  afterEach(async () => {
    await h.cleanup();
    await deleteRedisKeys(prefix);
  });

  it('delivers each operation once, whichever instance took it and whichever drains it', async () => {
    const instance = () =>
      h.client({
        queue: bullmqQueue({ connection: REDIS, name: 'fleet', prefix }),
        idempotency: redisIdempotencyStore({ connection: REDIS, prefix: `${prefix}:idem` }),
        breaker: { threshold: 1, halfOpenAfterMs: 50 },
        retry: false,
        drain: { enabled: true, intervalMs: 20, batchSize: 25 },
      });
    const a = instance();
    const b = instance();
    await h.emu.down();
    // A load balancer retries requests on the other instance: both see the same operations, with the same keys.
    // Ten persons at once; each person's calls one after the other (their order is what must hold).
    const calls = Array.from({ length: 100 }, (_, i) => ({ person: `p${i % 10}`, i }));
    const results = (
      await Promise.all(
        Array.from({ length: 10 }, async (_, p) => {
          const out = [];
          for (const { person, i } of calls.filter((c) => c.person === `p${p}`)) {
            out.push(
              ...(await Promise.all([
                a.track(person, { name: 'step', data: { i } }, { idempotencyKey: `req-${i}` }),
                b.track(person, { name: 'step', data: { i } }, { idempotencyKey: `req-${i}` }),
              ])),
            );
          }
          return out;
        }),
      )
    ).flat();
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 'queued')).to.have.length(100);
    expect(statuses.filter((s) => s === 'duplicate')).to.have.length(100);

    await h.emu.up();
    // Both drainers work the shared queue until it is empty.
    const [ra, rb] = await Promise.all([a.flush({ timeoutMs: 15_000 }), b.flush({ timeoutMs: 15_000 })]);
    expect(ra.remaining + rb.remaining).to.equal(0);
    expect(ra.delivered + rb.delivered).to.equal(100);
    expect(h.emu.events).to.have.length(100);
    expect(h.emu.duplicates).to.equal(0);
    const seen = h.emu.events.map((e) => (e.data as { i: number }).i).sort((x, y) => x - y);
    expect(seen).to.deep.equal(calls.map((c) => c.i));
    // Each person's events still arrived in order, across both drainers.
    for (let p = 0; p < 10; p++) {
      const steps = h.emu.events.filter((e) => e.personId === `p${p}`).map((e) => (e.data as { i: number }).i);
      expect(steps).to.deep.equal([...steps].sort((x, y) => x - y));
    }
  });
});
