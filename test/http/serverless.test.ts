import { expect } from 'chai';
import express from 'express';
import Koa from 'koa';
import supertest from 'supertest';
import * as cioExpress from '../../src/http/express.js';
import * as cioKoa from '../../src/http/koa.js';
import type { CioClient } from '../../src/client/CioClient.js';
import { harness, LOG_LINES, type Harness } from '../support/harness.js';

/** A batch window no test waits out: a call that arrives did not wait for it. */
const LONG_WINDOW = { batch: { maxDelayMs: 60_000, maxItems: 100, maxInFlight: 4 } };

type Hooks = { waitUntil?: (promise: Promise<unknown>) => void };

/** An Express and a Koa app with the middleware: `/flush` awaits `cio.flush()` before answering; `/later` only calls. */
const APPS: Array<[string, (client: CioClient, emuEvents: () => number, hooks: Hooks) => Parameters<typeof supertest>[0]]> = [
  [
    'express',
    (client, emuEvents, hooks) => {
      const app = express();
      app.use(cioExpress.cioMiddleware({ client, ...hooks }));
      app.get('/flush', async (req, res) => {
        void req.cio.track('u1', { name: 'ordered' });
        void req.cio.identify('u1', { plan: 'pro' });
        const results = await req.cio.flush();
        res.json({ atResponse: emuEvents(), statuses: results.map((r) => r.status) });
      });
      app.get('/later', (req, res) => {
        void req.cio.track('u1', { name: 'one' });
        void req.cio.track('u2', { name: 'two' });
        res.send('ok');
      });
      app.get('/none', (_req, res) => void res.send('ok'));
      return app;
    },
  ],
  [
    'koa',
    (client, emuEvents, hooks) => {
      const app = new Koa();
      app.use(cioKoa.cioMiddleware({ client, ...hooks }));
      app.use(async (ctx) => {
        if (ctx.path === '/flush') {
          void ctx.cio.track('u1', { name: 'ordered' });
          void ctx.cio.identify('u1', { plan: 'pro' });
          const results = await ctx.cio.flush();
          ctx.body = { atResponse: emuEvents(), statuses: results.map((r) => r.status) };
        } else if (ctx.path === '/later') {
          void ctx.cio.track('u1', { name: 'one' });
          void ctx.cio.track('u2', { name: 'two' });
          ctx.body = 'ok';
        } else ctx.body = 'ok';
      });
      return app.callback();
    },
  ],
];

for (const [name, build] of APPS) {
  describe(`http: serverless delivery (${name}, real SDK against the emulator)`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness();
    });
    afterEach(() => h.cleanup());

    it('await cio.flush() delivers the request\'s calls before the handler answers, without waiting out the batch window', async () => {
      const app = build(h.client(LONG_WINDOW), () => h.emu.events.length, {});
      const res = await supertest(app).get('/flush');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ atResponse: 1, statuses: ['sent', 'sent'] });
      expect(h.emu.people.get('u1')).to.include({ plan: 'pro' });
    });

    it('hands waitUntil a promise that settles once the calls held until the response were delivered', async () => {
      const waits: Array<Promise<unknown>> = [];
      const app = build(h.client(LONG_WINDOW), () => h.emu.events.length, { waitUntil: (p) => void waits.push(p) });
      await supertest(app).get('/none');
      expect(waits, 'a request without a call keeps nothing alive').to.have.length(0);
      const res = await supertest(app).get('/later');
      expect(res.text).to.equal('ok');
      expect(waits).to.have.length(1);
      expect(await waits[0]).to.equal(undefined);
      // Delivered, though the batch window (60 s) never elapsed: the platform may freeze the function now.
      expect(h.emu.events.map((e) => e.name).sort()).to.deep.equal(['one', 'two']);
    });

    it('a throwing waitUntil is logged and the calls are still delivered', async () => {
      const app = build(h.client(), () => h.emu.events.length, {
        waitUntil: () => {
          throw new Error('not on this platform');
        },
      });
      const before = LOG_LINES.length;
      expect((await supertest(app).get('/later')).text).to.equal('ok');
      await h.emu.waitForEvents(2);
      expect(LOG_LINES.slice(before).join('\n')).to.include('waitUntil');
    });
  });
}

describe('http: serverless options', () => {
  it('rejects a waitUntil that is not a function, naming the option', async () => {
    const h = await harness();
    try {
      expect(() => cioExpress.cioMiddleware({ client: h.client(), waitUntil: 'yes' as never })).to.throw(TypeError, /options\.waitUntil must be a function/);
      expect(() => cioKoa.cioMiddleware({ client: h.client(), waitUntil: 42 as never })).to.throw(TypeError, /options\.waitUntil must be a function/);
    } finally {
      await h.cleanup();
    }
  });
});
