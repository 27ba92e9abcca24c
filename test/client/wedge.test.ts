import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createCioClient } from '../../src/client/createCioClient.js';
import { MAX_REDIRECTS } from '../../src/client/redirects.js';
import { sqliteQueue } from '../../src/stores/sqlite.js';
import { fastOptions, harness, type Harness } from '../support/harness.js';
import { makeEntry } from '../support/entries.js';

/** A loopback HTTP server answering with `answer`; resolves its base URL. */
async function serve(answer: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    answer!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

const stop = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('client: nothing can wedge or hang it', () => {
  let h: Harness;
  const dirs: string[] = [];
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.cleanup();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempDb = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'cio-wedge-'));
    dirs.push(dir);
    return join(dir, 'queue.db');
  };

  it('ends a redirect loop after a few hops with a transient error, and queues the call', async () => {
    const loop = await serve((req, res) => {
      res.writeHead(301, { location: `http://127.0.0.1:${(req.socket.address() as AddressInfo).port}${req.url}` }).end(); // the same URL
    });
    try {
      const cio = h.client({ trackUrl: `${loop.url}/api/v1`, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 } });
      const r = await cio.identify('u1', { a: 1 });
      expect(r.status).to.equal('queued');
      expect(r.error?.code).to.equal('TRANSIENT');
      expect(r.error?.message).to.match(/redirect loop/);
      expect(loop.hits()).to.equal(2 * (MAX_REDIRECTS + 1)); // bounded: each attempt stops after MAX_REDIRECTS hops
    } finally {
      loop.server.closeAllConnections();
      await stop(loop.server);
    }
  });

  it('follows a relative Location against the URL it came from', async () => {
    const moved = await serve((req, res) => {
      if (req.url?.startsWith('/old/')) res.writeHead(308, { location: `/api/v1/${req.url.slice('/old/'.length)}` }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    try {
      const cio = h.client({ trackUrl: `${moved.url}/old` });
      const r = await cio.identify('u1', { a: 1 });
      expect([r.status, r.error?.code]).to.deep.equal(['sent', undefined]);
      expect(moved.hits()).to.equal(2);
    } finally {
      await stop(moved.server);
    }
  });

  it('caps a Retry-After in the queue replay by retry.maxRetryAfterMs (a 31-year pause is not honoured)', async () => {
    const cio = h.client({ retry: { maxAttempts: 1, maxRetryAfterMs: 100 } });
    await h.emu.down();
    expect((await cio.track('u1', { name: 'e' })).status).to.equal('queued');
    await h.emu.up();
    h.emu.fault({ status: 429, retryAfter: 999_999_999, times: 1 });
    const result = await cio.flush({ timeoutMs: 5_000 });
    expect(result).to.deep.equal({ delivered: 1, remaining: 0 });
    expect(h.emu.events).to.have.length(1);
  });

  it('clamps a retry delay persisted by sqliteQueue beyond the cap when it is read', async () => {
    const path = tempDb();
    const first = sqliteQueue({ path });
    const entry = makeEntry({ operation: 'identify', args: ['u9', { plan: 'x' }], personKey: 'u9' });
    await first.push(entry);
    await first.take(1, 60_000);
    await first.retry([entry.id], 10 * 365 * 24 * 3_600_000, 'TRANSIENT: Retry-After 999999999'); // as an older version wrote it
    await first.close();
    const cio = h.client({ queue: sqliteQueue({ path }), retry: { maxAttempts: 1, maxRetryAfterMs: 100 } });
    expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
    expect(h.emu.people.get('u9')).to.include({ plan: 'x' });
  });

  it('close({ timeoutMs }) resolves by its deadline while calls hang; with sqlite they are kept and say so', async () => {
    h.emu.fault({ hang: true });
    const path = tempDb();
    const cio = h.client({ queue: sqliteQueue({ path }), timeoutMs: 5_000, retry: false });
    const calls = Array.from({ length: 50 }, (_, i) => cio.track('u1', { name: 'e', data: { i } }));
    await h.emu.waitForRequests(50);
    const started = Date.now();
    const closed = await cio.close({ timeoutMs: 300 });
    const took = Date.now() - started;
    const results = await Promise.all(calls);
    expect(took, 'close() overran its deadline').to.be.below(1_300);
    expect(results.map((r) => r.status)).to.deep.equal(Array(50).fill('queued'));
    expect(results[0]!.error?.code).to.equal('CLOSED');
    expect(closed).to.deep.equal({ delivered: 0, remaining: 50 });
    const reopened = sqliteQueue({ path });
    expect((await reopened.stats()).depth).to.equal(50);
    await reopened.close();
  });

  it('close({ timeoutMs }) resolves by its deadline while calls hang; with the memory queue they are reported as possibly delivered', async () => {
    h.emu.fault({ hang: true });
    const cio = h.client({ timeoutMs: 5_000, retry: false });
    const calls = Array.from({ length: 20 }, (_, i) => cio.track('u1', { name: 'e', data: { i } }));
    await h.emu.waitForRequests(20);
    const started = Date.now();
    const closed = await cio.close({ timeoutMs: 300 });
    expect(Date.now() - started, 'close() overran its deadline').to.be.below(1_300);
    const results = await Promise.all(calls);
    expect(results.map((r) => [r.status, r.error?.code])).to.deep.equal(Array(20).fill(['failed', 'AMBIGUOUS']));
    expect(closed).to.deep.equal({ delivered: 0, remaining: 0 });
  });

  it('close({ timeoutMs }) resolves by its deadline while a queue replay hangs', async () => {
    const cio = h.client({ timeoutMs: 5_000, retry: false });
    await h.emu.down();
    expect((await cio.track('u1', { name: 'e' })).status).to.equal('queued');
    await h.emu.up();
    h.emu.fault({ hang: true });
    const started = Date.now();
    await cio.close({ timeoutMs: 300 });
    expect(Date.now() - started, 'close() overran its deadline').to.be.below(1_300);
  });

  it('sends no further attempt of a call that close() gave up on (a retry waiting out its backoff)', async () => {
    const cio = h.client({ retry: { maxAttempts: 2 } });
    h.emu.fault({ status: 503, retryAfter: 1, times: 1 }); // the retry waits exactly 1 s (no jitter)
    const call = cio.identify('u1', { a: 1 });
    await h.emu.waitForRequests(1);
    await cio.close({ timeoutMs: 50 });
    expect((await call).status).to.equal('failed'); // memory queue: reported as possibly delivered
    // The retry's backoff ends after close(): no second request may go out.
    await h.emu.waitForRequests(2, { timeoutMs: 1_500 }).then(
      () => expect.fail('an attempt went out after close()'),
      () => undefined,
    );
    expect(h.emu.requests).to.have.length(1);
  });

  it('a logger that throws changes no result and causes no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const boom = (): never => {
        throw new Error('logger down');
      };
      const cio = createCioClient({ ...fastOptions(h.emu), logger: { debug: boom, info: boom, warn: boom, error: boom }, drain: { intervalMs: 5 } });
      h.emu.fault({ status: 400, times: 1 });
      const rejected = await cio.identify('u1', { a: 1 });
      expect([rejected.status, rejected.error?.code]).to.deep.equal(['rejected', 'PERMANENT']);
      await h.emu.down();
      expect((await cio.track('u1', { name: 'e' })).status).to.equal('queued');
      await h.emu.up();
      expect(await cio.flush({ timeoutMs: 5_000 })).to.deep.equal({ delivered: 1, remaining: 0 });
      await cio.close({ timeoutMs: 1_000 });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('rejects bad close() and flush() options alike, as promises', async () => {
    const cio = h.client();
    let thrown: unknown;
    const closing = (() => {
      try {
        return cio.close(null as never);
      } catch (err) {
        thrown = err;
        return undefined;
      }
    })();
    expect(thrown).to.equal(undefined);
    await closing!.then(() => expect.fail('close(null) resolved'), (err: unknown) => expect(err).to.be.instanceOf(TypeError));
    await cio.flush(null as never).then(() => expect.fail('flush(null) resolved'), (err: unknown) => expect(err).to.be.instanceOf(TypeError));
  });
});
