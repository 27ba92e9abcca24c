import type { RequestListener, ServerResponse } from 'node:http';
import { expect } from 'chai';
import express from 'express';
import Koa from 'koa';
import supertest from 'supertest';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioResult } from '../../src/client/types.js';
import * as cioExpress from '../../src/http/express.js';
import * as cioKoa from '../../src/http/koa.js';
import { createRequestScope } from '../../src/http/requestScope.js';
import { harness, type Harness } from '../support/harness.js';
import { wrapClient } from './apps.js';

/** `[finish, close]` listener counts of a response. */
const listeners = (res: ServerResponse): [number, number] => [res.listenerCount('finish'), res.listenerCount('close')];

describe('http: what the request scope costs (and that it behaves the same)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  const apps: Array<[string, (client: CioClient, seen: Array<[number, number]>) => RequestListener]> = [
    [
      'express',
      (client, seen) => {
        const app = express();
        app.use((_req, res, next) => {
          seen.push(listeners(res));
          next();
        });
        app.use(cioExpress.cioMiddleware({ client }));
        app.get('/none', (_req, res) => {
          seen.push(listeners(res));
          res.send('ok');
        });
        app.get('/calls', (req, res) => {
          void req.cio.track('u1', { name: 'first' });
          seen.push(listeners(res));
          void req.cio.track('u1', { name: 'second' });
          seen.push(listeners(res));
          res.send('ok');
        });
        return app;
      },
    ],
    [
      'koa',
      (client, seen) => {
        const app = new Koa();
        app.use((ctx, next) => {
          seen.push(listeners(ctx.res));
          return next();
        });
        app.use(cioKoa.cioMiddleware({ client }));
        app.use((ctx) => {
          if (ctx.path === '/calls') {
            void ctx.cio.track('u1', { name: 'first' });
            seen.push(listeners(ctx.res));
            void ctx.cio.track('u1', { name: 'second' });
          }
          seen.push(listeners(ctx.res));
          ctx.body = 'ok';
        });
        return app.callback();
      },
    ],
  ];

  for (const [name, build] of apps) {
    it(`${name}: a request without a call adds no response listener; the first call adds one (on 'close'), later calls none`, async () => {
      const seen: Array<[number, number]> = [];
      const agent = supertest(build(h.client(), seen));
      expect((await agent.get('/none')).status).to.equal(200);
      const [before, after] = seen.splice(0);
      expect(after).to.deep.equal(before);

      expect((await agent.get('/calls')).status).to.equal(200);
      const [start, first, second] = seen.splice(0);
      expect(first).to.deep.equal([start![0], start![1] + 1]);
      expect(second).to.deep.equal(first);
      await h.emu.waitForEvents(2);
      expect(h.emu.events.map((e) => e.name).sort()).to.deep.equal(['first', 'second']);
    });
  }

  it('express: a call made just after the response was sent is still held until its finish', async () => {
    const log: string[] = [];
    const client = wrapClient(h.client(), (op, real) => (op === 'track' ? (...args) => (log.push('call:track'), real(...args)) : undefined));
    let delivered: Promise<CioResult> | undefined;
    const app = express();
    app.use((_req, res, next) => {
      res.on('finish', () => log.push('finish'));
      next();
    });
    app.use(cioExpress.cioMiddleware({ client }));
    app.get('/', (req, res) => {
      res.send('ok');
      delivered = req.cio.track('u1', { name: 'after_send' }).delivered;
      log.push(`dispatched:${req.cio.dispatched}`);
    });
    expect((await supertest(app).get('/')).status).to.equal(200);
    expect((await delivered)?.status).to.equal('sent');
    expect(log).to.deep.equal(['dispatched:false', 'finish', 'call:track']);
  });

  it('express: a call made once the response has finished goes out at once, with its real outcome', async () => {
    let outcome: Promise<CioResult> | undefined;
    let dispatched: boolean | undefined;
    const app = express();
    app.use(cioExpress.cioMiddleware({ client: h.client() }));
    app.get('/', (req, res) => {
      res.on('finish', () => {
        dispatched = req.cio.dispatched;
        outcome = Promise.resolve(req.cio.track('u1', { name: 'on_finish' }));
      });
      res.send('ok');
    });
    expect((await supertest(app).get('/')).status).to.equal(200);
    expect(dispatched).to.equal(true);
    expect(await outcome).to.include({ status: 'sent', operation: 'track', attempts: 1 });
  });

  it('express: in a finish listener the app added before its first call, the held calls are out and a new one goes at once', async () => {
    const log: string[] = [];
    const client = wrapClient(h.client(), (op, real) => (op === 'track' ? (...args) => (log.push(`call:${String((args[1] as { name: string }).name)}`), real(...args)) : undefined));
    let first: Promise<CioResult> | undefined;
    let second: Promise<CioResult> | undefined;
    const app = express();
    app.use(cioExpress.cioMiddleware({ client }));
    app.get('/', (req, res) => {
      res.on('finish', () => {
        log.push(`dispatched:${req.cio.dispatched}`);
        second = Promise.resolve(req.cio.track('u1', { name: 'second' }));
      });
      first = req.cio.track('u1', { name: 'first' }).delivered;
      res.send('ok');
    });
    expect((await supertest(app).get('/')).status).to.equal(200);
    expect(await second).to.include({ status: 'sent', operation: 'track', attempts: 1 });
    expect((await first)?.status).to.equal('sent');
    expect(log).to.deep.equal(['call:first', 'dispatched:true', 'call:second']);
  });

  it('reports a call without header or own key under no key; the placeholder is plain data', async () => {
    const scope = createRequestScope(h.client(), { idempotencyScope: undefined, personId: undefined });
    const call = scope.cio.track('u1', { name: 'e', data: { n: 1 } });
    const r = await call;
    expect(Object.keys(r)).to.deep.equal(['status', 'operation', 'idempotencyKey', 'attempts']);
    expect(JSON.parse(JSON.stringify(r))).to.deep.equal({ status: 'queued', operation: 'track', idempotencyKey: '', attempts: 0 });
    expect({ ...r }).to.deep.equal({ status: 'queued', operation: 'track', idempotencyKey: '', attempts: 0 });
    scope.release();
    expect((await call.delivered).idempotencyKey).to.equal('');
    r.idempotencyKey = 'mine'; // a plain, writable property to the app
    expect(r.idempotencyKey).to.equal('mine');
  });

  it('hands the snapshot to the client as one batched call reported under the same key', async () => {
    const seen: unknown[] = [];
    const client = wrapClient(h.client(), (op, real) => (op === 'track' ? (...args) => (seen.push(args[2]), real(...args)) : undefined));
    const scope = createRequestScope(client, { idempotencyScope: undefined, personId: undefined });
    const call = scope.cio.track('u1', { name: 'e', data: { n: 1 } });
    expect(call).to.be.instanceOf(Promise);
    const placeholder = await call;
    scope.release();
    const delivered = await call.delivered;
    expect(delivered).to.include({ status: 'sent', idempotencyKey: placeholder.idempotencyKey });
    expect(seen).to.have.length(1);
    expect(seen[0]).to.deep.equal({ batch: true });
    expect(placeholder.idempotencyKey).to.equal('');
  });

  it('gives each request its own scope: calls held in one are released with it alone', async () => {
    const a = createRequestScope(h.client(), { idempotencyScope: undefined, personId: undefined });
    const b = createRequestScope(h.client(), { idempotencyScope: undefined, personId: undefined });
    const calls = [a.cio.identify('u9', { plan: 'pro' }), a.cio.track('u9', { name: 'in-a' })];
    const other = b.cio.track('u8', { name: 'in-b' });
    expect((await calls[0])?.status).to.equal('queued');
    a.release();
    expect(a.cio.dispatched).to.equal(true);
    expect(b.cio.dispatched).to.equal(false);
    const results = await Promise.all(calls.map((c) => c.delivered));
    expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent']);
    expect(h.emu.events.map((e) => e.name)).to.deep.equal(['in-a']);
    b.release();
    expect((await other.delivered).status).to.equal('sent');
    expect(h.emu.events.map((e) => e.name)).to.deep.equal(['in-a', 'in-b']);
  });
});
