import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import { newEventId } from '../../src/idempotency/eventId.js';
import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import type { QueueEntry } from '../../src/queue/store.js';
import { harness, type Harness } from '../support/harness.js';

/** A queued App API transactional email to `person`. */
function queuedSend(person: string): QueueEntry {
  return {
    id: newEventId(),
    operation: 'sendEmail',
    args: [{ to: `${person}@example.com`, identifiers: { id: person }, transactional_message_id: 1 }],
    idempotencyKey: '',
    personKey: `${person}@example.com`,
    enqueuedAt: Date.now(),
    attempts: 0,
  };
}

/** A queued Track API `track` of `name` by `person`. */
function queuedTrack(person: string, name: string): QueueEntry {
  const id = newEventId();
  return { id: newEventId(), operation: 'track', args: [person, { name, id }], idempotencyKey: '', personKey: person, enqueuedAt: Date.now(), attempts: 0, eventId: id };
}

/** A queued Data Pipelines `track` of `event` by `userId`. */
function queuedPipelinesTrack(userId: string, event: string): QueueEntry {
  return { id: newEventId(), operation: 'pipelines.track', args: [{ userId, event }], idempotencyKey: '', personKey: `pipelines:${userId}`, enqueuedAt: Date.now(), attempts: 0 };
}

describe('queue replay: a Retry-After pauses only the API that sent it', () => {
  let h: Harness;
  let clock: FakeTimers.Clock | undefined;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    clock?.uninstall();
    clock = undefined;
    await h.cleanup();
  });

  it("an App API 429 + Retry-After holds back the App entries only: Track's and Pipelines' are replayed meanwhile", async () => {
    // Only Date is faked (and keeps running): the Retry-After runs out on the clock, HTTP on real timers.
    clock = FakeTimers.install({ toFake: ['Date'], now: Date.now(), shouldAdvanceTime: true, advanceTimeDelta: 5 });
    const store = memoryQueue();
    // The App sends are the oldest entries: the first round takes only them.
    for (const p of ['s0', 's1']) await store.push(queuedSend(p));
    for (let i = 0; i < 3; i++) await store.push(queuedTrack(`p${i}`, `ev${i}`));
    for (let i = 0; i < 2; i++) await store.push(queuedPipelinesTrack(`q${i}`, `Pev${i}`));
    const cio = h.client({
      queue: store,
      drain: { enabled: false, batchSize: 2, intervalMs: 50 },
      retry: { maxAttempts: 1, maxRetryAfterMs: 60_000 },
      breaker: { threshold: 50, halfOpenAfterMs: 60_000 },
    });
    // The App API throttles once; a resend before the Retry-After has passed would be accepted (and seen).
    h.emu.fault({ status: 429, retryAfter: 30, match: { api: 'app' }, times: 1 });

    const first = await cio.flush({ timeoutMs: 1_000 });
    expect(first).to.deep.equal({ delivered: 5, remaining: 2 });
    expect(h.emu.events.map((e) => e.name).sort()).to.deep.equal(['ev0', 'ev1', 'ev2']);
    expect(h.emu.duplicates).to.equal(0);
    const pipelinesSent = () => h.emu.requests.filter((r) => r.api === 'pipelines' && r.status === 200);
    expect(pipelinesSent()).to.have.length(2);
    const app = () => h.emu.requests.filter((r) => r.api === 'app');
    expect(app().map((r) => r.status)).to.deep.equal([429]);
    expect(await cio.deadLetters()).to.deep.equal([]);

    // Soon after, the App API is still paused, even for an entry queued since; Track still goes.
    await store.push(queuedSend('s2'));
    await store.push(queuedTrack('p3', 'ev3'));
    const second = await cio.flush({ timeoutMs: 300 });
    expect(second).to.deep.equal({ delivered: 1, remaining: 3 });
    expect(app().map((r) => r.status)).to.deep.equal([429]);
    expect(h.emu.events.map((e) => e.name).sort()).to.deep.equal(['ev0', 'ev1', 'ev2', 'ev3']);

    // Once the Retry-After has passed, the App sends go, each once; nothing was lost or dead-lettered.
    clock.tick(30_000);
    const third = await cio.flush({ timeoutMs: 2_000 });
    expect(third).to.deep.equal({ delivered: 3, remaining: 0 });
    expect(app().map((r) => r.status)).to.deep.equal([429, 200, 200, 200]);
    expect(h.emu.operations.filter((o) => o.operation === 'sendEmail')).to.have.length(3);
    expect(h.emu.events).to.have.length(4);
    expect(pipelinesSent()).to.have.length(2);
    expect(await cio.deadLetters()).to.deep.equal([]);
  });
});
