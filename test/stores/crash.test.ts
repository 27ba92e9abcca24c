import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueueStore } from '../../src/queue/store.js';
import { sqliteQueue } from '../../src/stores/sqlite.js';
import { bullmqQueue } from '../../src/stores/redis.js';
import { CREDS, harness, type Harness } from '../support/harness.js';
import { REDIS, deleteRedisKeys, tempDir, uniquePrefix } from '../support/storeKit.js';

const CHILD = fileURLToPath(new URL('./fixtures/clientCrashChild.ts', import.meta.url));
const N = 60;

/** Runs the child until READY, kills it with SIGKILL, and returns the event ids it reported. */
async function acceptThenCrash(h: Harness, storeArg: string): Promise<string[]> {
  await h.emu.down();
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, storeArg, h.emu.trackUrl, String(N)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CUSTOMERIO_SITE_ID: CREDS.siteId, CUSTOMERIO_TRACK_API_KEY: CREDS.apiKey },
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited before READY (${code}): ${out.slice(-300)}`)));
  });
  const killed = new Promise<NodeJS.Signals | null>((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (_c, signal) => resolve(signal));
  });
  child.kill('SIGKILL');
  expect(await killed).to.equal('SIGKILL');
  return [...out.matchAll(/EVENT (\S+)/g)].map((m) => m[1]!);
}

/** A new process's client on the same store delivers everything once. */
async function recoverAndCheck(h: Harness, store: QueueStore, eventIds: string[]): Promise<void> {
  await h.emu.up();
  const cio = h.client({ queue: store });
  const done = await cio.flush({ timeoutMs: 15_000 });
  expect(done.remaining).to.equal(0);
  expect(done.delivered).to.equal(N);
  expect(h.emu.events.map((e) => e.id).sort()).to.deep.equal(eventIds.map((id) => id.toUpperCase()).sort());
  expect(h.emu.duplicates).to.equal(0);
  const identifies = h.emu.operations.filter((o) => o.operation === 'identify' || o.action === 'identify');
  expect(identifies).to.have.length(N / 5);
}

describe('durable stores survive SIGKILL of the process that accepted the operations', function () {
  this.timeout(40_000);
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('sqliteQueue: 0 lost, 0 duplicated', async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, 'crash.db');
      const eventIds = await acceptThenCrash(h, `sqlite:${path}`);
      expect(eventIds).to.have.length(N - N / 5);
      await recoverAndCheck(h, sqliteQueue({ path }), eventIds);
    } finally {
      tmp.remove();
    }
  });

  it('bullmqQueue: 0 lost, 0 duplicated', async () => {
    const prefix = uniquePrefix('crash');
    try {
      const eventIds = await acceptThenCrash(h, `bullmq:${prefix}`);
      expect(eventIds).to.have.length(N - N / 5);
      await recoverAndCheck(h, bullmqQueue({ connection: REDIS, name: 'crash', prefix }), eventIds);
    } finally {
      await deleteRedisKeys(prefix);
    }
  });
});
