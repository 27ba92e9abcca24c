import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import { sqliteQueue } from '../../src/stores/sqlite.js';
import { harness, type Harness } from '../support/harness.js';
import { makeEntry } from '../support/entries.js';

describe('client: smaller defects (registerReplay names, honest codes, health right after opening)', () => {
  let h: Harness;
  let dir: string;
  beforeEach(async () => {
    h = await harness();
    dir = mkdtempSync(join(tmpdir(), 'cio-small-'));
  });
  afterEach(async () => {
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers and replays custom operations named like Object.prototype members', async () => {
    const cio = h.client({ drain: { intervalMs: 5 } });
    const replayed: string[] = [];
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      cio.registerReplay(name, async () => void replayed.push(name));
    }
    expect(() => cio.registerReplay('track', async () => undefined)).to.throw(RangeError, /'track' is a built-in operation/);
    for (const name of ['constructor', '__proto__']) {
      const r = await cio.run(name, async () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })), { queue: true, args: [] });
      expect(r.status, name).to.equal('queued');
    }
    expect((await cio.flush({ timeoutMs: 5_000 })).remaining).to.equal(0);
    expect(replayed.sort()).to.deep.equal(['__proto__', 'constructor']);
  });

  it('checks registerReplay arguments with typed errors that say what was expected', () => {
    const cio = h.client();
    expect(() => cio.registerReplay('op', async () => undefined, null as never)).to.throw(TypeError, /registerReplay: options must be an object/);
    expect(() => cio.registerReplay('op', async () => undefined, { repeatable: 'no' as never })).to.throw(TypeError, /repeatable must be a boolean, got a string/);
    expect(() => cio.registerReplay('', async () => undefined)).to.throw(TypeError, /non-empty string/);
    expect(() => cio.registerReplay('op', 'nope' as never)).to.throw(TypeError, /handler must be a function, got a string/);
  });

  it('says QUEUE_FULL when the queue drops a call, and QUEUE_UNAVAILABLE when the store refuses it', async () => {
    const full = h.client({ queue: memoryQueue({ maxSize: 1 }) });
    await h.emu.down();
    expect((await full.track('u1', { name: 'a' })).status).to.equal('queued');
    const dropped = await full.track('u1', { name: 'b' });
    expect([dropped.status, dropped.error?.code]).to.deep.equal(['dropped', 'QUEUE_FULL']);

    const broken = memoryQueue();
    broken.push = async () => {
      throw new Error('disk on fire');
    };
    const refused = await h.client({ queue: broken }).track('u1', { name: 'c' });
    expect([refused.status, refused.error?.code]).to.deep.equal(['failed', 'QUEUE_UNAVAILABLE']);
    expect(refused.error?.message).to.match(/nothing was stored/);
  });

  it('reports a push the store could not confirm as queued with maybeQueued, never as failed', async () => {
    const unsure = memoryQueue();
    unsure.push = async () => {
      throw Object.assign(new Error('Redis did not answer'), { maybeQueued: true });
    };
    await h.emu.down();
    const r = await h.client({ queue: unsure }).sendEmail({ to: 'a@example.com', identifiers: { id: 'u1' }, transactional_message_id: 1 });
    expect([r.status, r.maybeQueued, r.error?.code]).to.deep.equal(['queued', true, 'QUEUE_UNAVAILABLE']);
  });

  it('shows the backlog of a durable queue in health() right after opening it', async () => {
    const path = join(dir, 'queue.db');
    const first = sqliteQueue({ path });
    for (let i = 0; i < 3; i++) await first.push(makeEntry({ operation: 'identify', args: [`u${i}`, { a: i }], personKey: `u${i}` }));
    await first.close();
    const cio = h.client({ queue: sqliteQueue({ path }) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(cio.health().queue.depth).to.equal(3);
    expect(cio.health().status).to.equal('warn');
  });
});
