import { expect } from 'chai';
import { newEventId } from '../../src/idempotency/eventId.js';
import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import type { QueueEntry } from '../../src/queue/store.js';
import { harness, type Harness } from '../support/harness.js';
import { eventually } from '../support/entries.js';

/** A queued `track` as the client would store it. */
function queuedTrack(person: string, name: string, i: number): QueueEntry {
  const id = newEventId();
  return {
    id: newEventId(),
    operation: 'track',
    args: [person, { name, data: { i }, id }],
    idempotencyKey: `track:${i}`,
    personKey: person,
    enqueuedAt: Date.now(),
    attempts: 0,
    eventId: id,
  };
}

describe('queue replay: v2 batches, partial results, timestamps', () => {
  let h: Harness;
  /** How far the emulator's clock runs ahead of the client's (a later write, seconds later). */
  let clockAhead = 0;
  beforeEach(async () => {
    clockAhead = 0;
    h = await harness(() => Date.now() + clockAhead);
  });
  afterEach(() => h.cleanup());

  it('sends a backlog in v2 batches, and dead-letters only the items a 207 answer refuses', async () => {
    const store = memoryQueue();
    // Entries written straight into the store (as an older version of the app might have): one
    // has an event name Customer.io refuses, which the batch answer reports by index.
    for (let i = 0; i < 30; i++) await store.push(queuedTrack(`p${i}`, i === 7 ? 'x'.repeat(120) : 'ok', i));
    const cio = h.client({ queue: store, drain: { batchSize: 10 } });
    const done = await cio.flush({ timeoutMs: 5_000 });
    expect(done).to.deep.equal({ delivered: 29, remaining: 0 });
    const batches = h.emu.requests.filter((r) => r.operation === 'batch');
    expect(batches).to.have.length(3);
    expect(batches.map((r) => r.status)).to.deep.equal([207, 200, 200]);
    expect(h.emu.events).to.have.length(29);
    const dead = await cio.deadLetters();
    expect(dead).to.have.length(1);
    expect((dead[0]!.args[1] as { data: { i: number } }).data.i).to.equal(7);
    expect(dead[0]!.reason).to.match(/^PERMANENT: batch item rejected/);
  });

  it('carries a mixed backlog in one batch per round: a send that must go alone does not split it', async () => {
    const cio = h.client({ drain: { batchSize: 50, enabled: false }, retry: { maxAttempts: 1 }, breaker: { threshold: 3, halfOpenAfterMs: 20 } });
    await h.emu.down();
    // A realistic mix, every person different: events, identifies, page views, anonymous events,
    // devices, suppressions, and transactional sends (App API: they go alone).
    const calls: Array<Promise<{ status: string }>> = [];
    for (let i = 0; i < 100; i++) {
      const p = `m${i}`;
      const kind = i % 10;
      if (kind < 4) calls.push(cio.track(p, { name: 'step', data: { i } }));
      else if (kind < 6) calls.push(cio.identify(p, { i }));
      else if (kind === 6) calls.push(cio.trackPageView(p, '/home'));
      else if (kind === 7) calls.push(cio.trackAnonymous(`anon-${i}`, { name: 'visit' }));
      else if (kind === 8) calls.push(cio.addDevice(p, `tok-${i}`, 'ios'));
      else calls.push(cio.sendEmail({ to: `${p}@example.com`, identifiers: { id: p }, transactional_message_id: 1 }));
    }
    expect((await Promise.all(calls)).every((r) => r.status === 'queued')).to.equal(true);
    await h.emu.up();
    const before = h.emu.requests.length;
    const done = await cio.flush({ timeoutMs: 10_000 });
    expect(done).to.deep.equal({ delivered: 100, remaining: 0 });
    const replayed = h.emu.requests.slice(before).filter((r) => (r.status ?? 0) < 300);
    // The half-open probe (one entry), then rounds of 50: one batch each, plus the 10 sends on their own route.
    expect(replayed.filter((r) => r.operation === 'batch')).to.have.length.at.most(3);
    expect(replayed.filter((r) => r.operation !== 'batch').map((r) => r.operation)).to.deep.equal(new Array(10).fill('sendEmail'));
    expect(h.emu.events).to.have.length(60); // 40 track, 10 page views, 10 anonymous
    expect(h.emu.duplicates).to.equal(0);
  });

  it('counts a replay attempt only for the entry that was tried: the ones sent back with it keep their count', async () => {
    const store = memoryQueue();
    const sends = ['s1', 's2', 's3'].map((p, i): QueueEntry => ({
      id: newEventId(),
      operation: 'sendEmail',
      args: [{ to: `${p}@example.com`, identifiers: { id: p }, transactional_message_id: 1 }],
      idempotencyKey: `send:${i}`,
      personKey: p,
      enqueuedAt: Date.now(),
      attempts: 0,
    }));
    for (const e of sends) await store.push(e);
    // One attempt allowed per entry: an entry whose untried put-back counted would become a dead
    // letter. The first 503 opens the App API's circuit (threshold 1) for the rest of the test.
    const cio = h.client({
      queue: store,
      drain: { enabled: false, maxAttempts: 1 },
      breaker: { threshold: 1, halfOpenAfterMs: 60_000 },
      retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
    });
    h.emu.fault({ status: 503, match: { operation: 'sendEmail' } });
    expect(await cio.flush({ timeoutMs: 200 })).to.deep.equal({ delivered: 0, remaining: 2 });
    const dead = await cio.deadLetters();
    expect(dead.map((d) => d.id)).to.deep.equal([sends[0]!.id]);
    expect(h.emu.requests.filter((r) => r.operation === 'sendEmail')).to.have.length(1);
  });

  it('replays a batch whose answer was lost with the same event ids: Customer.io drops the repeats', async () => {
    const store = memoryQueue();
    for (let i = 0; i < 20; i++) await store.push(queuedTrack(`p${i}`, 'ok', i));
    const cio = h.client({ queue: store, timeoutMs: 200, drain: { batchSize: 20 } });
    // The first batch is applied, but its answer comes after the attempt timeout.
    h.emu.fault({ delayMs: 400, times: 1, match: { operation: 'batch' } });
    const done = await cio.flush({ timeoutMs: 5_000 });
    expect(done).to.deep.equal({ delivered: 20, remaining: 0 });
    expect(h.emu.requests.filter((r) => r.operation === 'batch').length).to.be.at.least(2);
    expect(h.emu.events).to.have.length(20);
    // The late first batch lands after the replay: all 20 of its events are dropped by their ULID.
    const duplicates = await eventually(async () => h.emu.duplicates, (n) => n === 20, 3_000);
    expect(duplicates).to.equal(20);
    expect(h.emu.events).to.have.length(20);
  });

  it('a late identify replay cannot overwrite newer attributes', async () => {
    const cio = h.client({ drain: { enabled: false } });
    await h.emu.down();
    expect((await cio.identify('u1', { plan: 'free' })).status).to.equal('queued');
    await h.emu.up();
    clockAhead = 5_000; // the newer identify is made seconds later (Customer.io keeps whole seconds)
    // The app moved on while the old call waited: a newer identify goes straight through.
    const live = h.client();
    expect((await live.identify('u1', { plan: 'pro' })).status).to.equal('sent');
    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
    const replay = h.emu.requests.at(-1)!;
    expect(replay.operation).to.equal('batch');
    const op = (replay.body as { batch: Array<{ timestamp: number }> }).batch[0]!;
    expect(op.timestamp).to.be.a('number');
    expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
  });
});

describe('queue replay: 207 item reasons', () => {
  it('treats throttling and server failures as worth a retry, everything else as a refusal', async () => {
    const { isTransientItemReason } = await import('../../src/delivery/verdicts.js');
    for (const r of ['rate_limited', 'RATE_LIMIT', 'internal_error', 'timeout', 'unavailable', 'temporary']) {
      expect(isTransientItemReason(r), r).to.equal(true);
    }
    for (const r of ['invalid', 'required', 'too_large', 'too_long', '', 'limit_exceeded']) {
      expect(isTransientItemReason(r), r).to.equal(false);
    }
  });
});

describe('queue replay: sizes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('replays an event too large for a v2 operation on its v1 route, and keeps batches under 500 KB', async () => {
    const store = memoryQueue();
    // 60 KB of data: valid for v1 (100 KB), too large for one v2 operation (32 KB).
    const big = queuedTrack('p-big', 'big', 0);
    (big.args[1] as { data: Record<string, unknown> }).data = { blob: 'x'.repeat(60_000) };
    await store.push(big);
    // 40 events of 20 KB each: 800 KB in all, more than one batch may carry.
    for (let i = 1; i <= 40; i++) {
      const e = queuedTrack(`p${i}`, 'mid', i);
      (e.args[1] as { data: Record<string, unknown> }).data = { blob: 'y'.repeat(20_000), i };
      await store.push(e);
    }
    const cio = h.client({ queue: store, drain: { batchSize: 100 } });
    expect(await cio.flush({ timeoutMs: 10_000 })).to.deep.equal({ delivered: 41, remaining: 0 });
    expect(await cio.deadLetters()).to.have.length(0);
    expect(h.emu.events).to.have.length(41);
    const batches = h.emu.requests.filter((r) => r.operation === 'batch');
    expect(batches.length).to.be.at.least(2);
    expect(batches.every((r) => r.status === 200 && r.bodyBytes < 500 * 1024)).to.equal(true);
    expect(h.emu.requests.filter((r) => r.operation === 'track')).to.have.length(1);
  });
});

describe('queue replay: event times', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('replays queued events with the time the app made them, on v1 and v2 routes alike', async () => {
    const cio = h.client({ drain: { enabled: false }, breaker: false });
    await h.emu.down();
    const before = Math.floor(Date.now() / 1000);
    await cio.track('u1', { name: 'a' });
    await cio.trackAnonymous('anon-1', { name: 'b' }); // replayed on its v1 route
    await cio.trackPageView('u1', '/x');
    await cio.track('u2', { name: 'c', timestamp: 1_700_000_000 }); // the app's own time is kept
    const after = Math.floor(Date.now() / 1000);
    await h.emu.up();
    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 4, remaining: 0 });
    const times = new Map(h.emu.events.map((e) => [e.name, e.timestamp]));
    for (const name of ['a', 'b', '/x']) expect(times.get(name), name).to.be.within(before, after);
    expect(times.get('c')).to.equal(1_700_000_000);
  });
});
