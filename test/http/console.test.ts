/**
 * The operations console (`cioConsoleRouter`) through HTTP, on Express 5 and Koa 3: its JSON and
 * actions on each of the three queue stores, and each of its security rules (a test that fails
 * when the rule is taken out). The page itself runs in a browser in test/browser/console.test.ts.
 */
import { createServer, request, type RequestListener, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import Koa from 'koa';
import supertest from 'supertest';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioClientOptions } from '../../src/client/options.js';
import * as cioExpress from '../../src/http/express.js';
import * as cioKoa from '../../src/http/koa.js';
import { CONSOLE_JS } from '../../src/http/console/assets.js';
import { OutcomeCounter } from '../../src/http/console/outcomes.js';
import type { QueueStore } from '../../src/queue/store.js';
import { memoryQueue } from '../../src/stores/memory/memoryQueue.js';
import { sqliteQueue } from '../../src/stores/sqlite.js';
import { bullmqQueue } from '../../src/stores/redis.js';
import { assertNoSecrets, CREDS, harness, type Harness } from '../support/harness.js';
import { deleteRedisKeys, REDIS, tempDir, uniquePrefix } from '../support/storeKit.js';

/** Where both apps serve the console. */
const BASE = '/ops/customerio';

/** The policy every answer must carry, written out: a weaker one fails the test. */
const STRICT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Builds an app with the console at {@link BASE}, an app-level 404 after it, and error handling that records. */
interface Framework {
  readonly name: 'express' | 'koa';
  build(client: CioClient, options: unknown, errors: string[], extra?: { json?: boolean }): RequestListener;
}

const FRAMEWORKS: readonly Framework[] = [
  {
    name: 'express',
    build(client, options, errors, extra = {}) {
      const app = express();
      if (extra.json) app.use(express.json());
      app.use(BASE, cioExpress.cioConsoleRouter(client, options as cioExpress.CioExpressConsoleRouterOptions));
      app.use((_req: Request, res: Response) => {
        res.status(404).type('text/plain').send('app 404');
      });
      app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
        errors.push(err.message);
        res.status(500).type('text/plain').send('app error');
      });
      return app;
    },
  },
  {
    name: 'koa',
    build(client, options, errors) {
      const app = new Koa();
      app.on('error', (err: Error) => errors.push(err.message));
      // Koa has no mount paths: the console's default path is /ops/customerio.
      app.use(cioKoa.cioConsoleRouter(client, options as cioKoa.CioKoaConsoleRouterOptions));
      app.use((ctx) => {
        ctx.status = 404;
        ctx.body = 'app 404';
      });
      return app.callback();
    },
  },
];

/** A queue store for one test, and how to remove what it left. */
interface StoreKind {
  readonly name: 'memory' | 'sqlite' | 'bullmq';
  make(): { queue: QueueStore; cleanup(): Promise<void> };
}

const STORES: readonly StoreKind[] = [
  { name: 'memory', make: () => ({ queue: memoryQueue(), cleanup: async () => {} }) },
  {
    name: 'sqlite',
    make: () => {
      const dir = tempDir();
      return { queue: sqliteQueue({ path: join(dir.dir, 'queue.sqlite') }), cleanup: async () => dir.remove() };
    },
  },
  {
    name: 'bullmq',
    make: () => {
      const prefix = uniquePrefix('console');
      return { queue: bullmqQueue({ connection: REDIS, name: 'console', prefix }), cleanup: () => deleteRedisKeys(prefix) };
    },
  },
];

const admitAll = { guard: () => true };

/** A running app: its URL, its Host header value, and what its error handling saw. */
interface Running {
  url: string;
  host: string;
  errors: string[];
  get(path: string): supertest.Test;
  post(path: string, body?: unknown): supertest.Test;
}

for (const fw of FRAMEWORKS) {
  describe(`http: cioConsoleRouter (${fw.name})`, function () {
    this.timeout(30_000);
    let h: Harness;
    const servers: Server[] = [];
    const cleanups: Array<() => Promise<void>> = [];

    beforeEach(async () => {
      h = await harness();
    });
    afterEach(async () => {
      for (const s of servers.splice(0)) {
        s.close();
        s.closeAllConnections();
      }
      await h.cleanup();
      for (const c of cleanups.splice(0)) await c();
    });

    /** Serves the console for `client` on a port of its own. */
    async function serve(client: CioClient, options: unknown = admitAll, extra?: { json?: boolean }): Promise<Running> {
      const errors: string[] = [];
      const server = createServer(fw.build(client, options, errors, extra)).listen(0, '127.0.0.1');
      servers.push(server);
      await once(server, 'listening');
      const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const url = `http://${host}`;
      return {
        url,
        host,
        errors,
        get: (path) => supertest(url).get(`${BASE}${path}`),
        post: (path, body = {}) => supertest(url).post(`${BASE}${path}`).send(body as object),
      };
    }

    /** A client whose call to `person` Customer.io refused for good (a 401): one dead letter. */
    async function deadLetterOf(cio: CioClient, person: string): Promise<string> {
      h.emu.fault({ status: 401, times: 1 });
      const r = await cio.identify(person, { plan: `secret-plan-${person}` });
      expect(r.status, JSON.stringify(r)).to.equal('rejected');
      const dead = await cio.deadLetters();
      const mine = dead.find((d) => d.personKey === person);
      expect(mine, 'a dead letter for the person').to.not.equal(undefined);
      return mine!.id;
    }

    const identifiesOf = (person: string): number => h.emu.operations.filter((o) => o.operation === 'identify' && o.personId === person).length;

    for (const kind of STORES) {
      describe(`with the ${kind.name} queue store`, () => {
        function client(extra: CioClientOptions = {}): CioClient {
          const made = kind.make();
          cleanups.push(made.cleanup);
          return h.client({ queue: made.queue, ...extra });
        }

        it('lists dead letters (no values), re-drives the chosen one, discards the other; the emulator receives the re-driven one once', async () => {
          const cio = client();
          const app = await serve(cio);
          const a = await deadLetterOf(cio, 'u-alpha');
          const b = await deadLetterOf(cio, 'u-beta');

          const listed = await app.get('/api/dead-letters').expect(200);
          expect(listed.headers['content-type']).to.equal('application/json; charset=utf-8');
          expect(listed.body.total).to.equal(2);
          expect(listed.body.limit).to.equal(100);
          const items = listed.body.items as Array<Record<string, unknown>>;
          expect(items.map((i) => i['id'])).to.deep.equal([a, b]);
          expect(Object.keys(items[0]!).sort()).to.deep.equal(['attempts', 'code', 'deadAt', 'enqueuedAt', 'id', 'operation', 'person', 'reason']);
          expect(items[0]).to.include({ operation: 'identify', person: 'u-alpha', code: 'PERMANENT', attempts: 0 });
          expect(items[0]!['reason']).to.match(/^PERMANENT: /);
          expect(Date.parse(String(items[0]!['deadAt']))).to.be.closeTo(Date.now(), 60_000);
          expect(listed.text).to.not.include('secret-plan');
          assertNoSecrets(listed.text, 'the console dead letters');

          const status = await app.get('/api/status').expect(200);
          expect(status.body.queue).to.include({ store: kind.name, dead_letter: 2, depth: 0 });
          expect(status.body.apis.track).to.include({ circuit_state: 'CLOSED' });
          expect(status.body.outcomes.total).to.include({ rejected: 2, deadLettered: 2, sent: 0 });
          expect(status.body.isolation).to.deep.equal({ held: false, since: null });

          expect((await app.post('/api/redrive', { ids: [a] }).expect(200)).body).to.deep.equal({ moved: 1 });
          expect(identifiesOf('u-alpha')).to.equal(0); // the drain is off: nothing goes before the flush
          expect((await app.post('/api/flush', { timeoutMs: 10_000 }).expect(200)).body).to.deep.equal({ delivered: 1, remaining: 0 });
          expect(identifiesOf('u-alpha')).to.equal(1);
          expect(h.emu.people.get('u-alpha')).to.include({ plan: 'secret-plan-u-alpha' });

          expect((await app.post('/api/discard', { id: b }).expect(200)).body).to.deep.equal({ discarded: 1 });
          const gone = await app.post('/api/discard', { id: b }).expect(404);
          expect(gone.body.error).to.match(/no dead letter/);
          expect((await app.get('/api/dead-letters').expect(200)).body).to.deep.equal({ total: 0, limit: 100, items: [] });
          expect((await app.post('/api/redrive', { all: true }).expect(200)).body).to.deep.equal({ moved: 0 });
          expect((await app.post('/api/flush').expect(200)).body).to.deep.equal({ delivered: 0, remaining: 0 });
          expect(identifiesOf('u-alpha')).to.equal(1);
          expect(identifiesOf('u-beta')).to.equal(0);
          const after = await app.get('/api/status').expect(200);
          expect(after.body.queue).to.include({ dead_letter: 0, depth: 0 });
          expect(after.body.outcomes.total).to.include({ replayed: 1, rejected: 2 });
        });

        it('re-drives all, honours ?limit, and keeps credentials out of every answer', async () => {
          const cio = client();
          const app = await serve(cio);
          const ids = [await deadLetterOf(cio, 'p1'), await deadLetterOf(cio, 'p2'), await deadLetterOf(cio, 'p3')];
          const two = await app.get('/api/dead-letters?limit=2').expect(200);
          expect(two.body.items.map((i: { id: string }) => i.id)).to.deep.equal(ids.slice(0, 2));
          expect(two.body).to.include({ total: 3, limit: 2 });
          expect((await app.post('/api/redrive', { all: true }).expect(200)).body).to.deep.equal({ moved: 3 });
          expect((await app.post('/api/flush').expect(200)).body).to.deep.equal({ delivered: 3, remaining: 0 });
          expect(['p1', 'p2', 'p3'].map(identifiesOf)).to.deep.equal([1, 1, 1]);
          for (const path of ['/', '/console.js', '/api/status', '/api/dead-letters']) {
            const res = await app.get(path).expect(200);
            assertNoSecrets(res.text, `the console's ${path}`);
            expect(res.text).to.not.include(CREDS.siteId);
          }
        });
      });
    }

    describe('security', () => {
      it('refuses to mount without a guard, and says why', () => {
        const cio = h.client();
        const mount = (options: unknown) => () => fw.build(cio, options, []);
        for (const options of [undefined, {}, { guard: undefined }, { guard: null }, { showValues: true }]) {
          expect(mount(options)).to.throw(TypeError, /cioConsoleRouter: options\.guard is required.*only for your operators.*anyone who can reach the app could/);
        }
        expect(mount({ guard: 'admins' })).to.throw(TypeError, /options\.guard is required.*got "admins"/);
        expect(mount({ guard: true })).to.throw(TypeError, /options\.guard is required.*got true/);
        expect(() => fw.build({} as CioClient, admitAll, [])).to.throw(TypeError, /client must be a CioClient/);
        expect(mount({ ...admitAll, path: 'ops' })).to.throw(TypeError, /options\.path/);
        expect(mount({ ...admitAll, trustedOrigins: ['https://admin.example.com/path'] })).to.throw(TypeError, /trustedOrigins\[0\]/);
        expect(mount({ ...admitAll, refreshMs: 10 })).to.throw(RangeError, /refreshMs/);
        expect(mount({ ...admitAll, showValues: 'yes' })).to.throw(TypeError, /showValues/);
      });

      it('hides every route, actions included, unless the guard answers true (sync or async)', async () => {
        const cio = h.client();
        const id = await deadLetterOf(cio, 'guarded');
        const denied = [
          await serve(cio, { guard: () => false }),
          await serve(cio, { guard: async () => false }),
          // A truthy value that is not `true` (a user object, a string) is no admission.
          await serve(cio, { guard: () => ({ id: 'someone' }) }),
          await serve(cio, { guard: () => 'yes' }),
        ];
        for (const app of denied) {
          for (const path of ['/', '/console.js', '/api/status', '/api/dead-letters']) {
            const res = await app.get(path);
            expect(res.status, path).to.equal(404);
            expect(res.text).to.equal('app 404');
          }
          expect((await app.post('/api/redrive', { all: true })).status).to.equal(404);
          expect((await app.post('/api/discard', { id })).status).to.equal(404);
        }
        expect((await cio.deadLetters()).map((d) => d.id)).to.deep.equal([id]);

        const seen: unknown[] = [];
        const byHeader = await serve(cio, {
          guard: async (req: { headers: Record<string, unknown> }) => {
            seen.push(req.headers['x-ops']);
            return req.headers['x-ops'] === 'yes';
          },
        });
        expect((await byHeader.get('/api/status')).status).to.equal(404);
        expect((await byHeader.get('/api/status').set('x-ops', 'yes')).status).to.equal(200);
        expect(seen).to.deep.equal([undefined, 'yes']);
      });

      it("hands an error the guard throws to the app's error handling", async () => {
        const cio = h.client();
        const app = await serve(cio, {
          guard: () => {
            throw new Error('session store down');
          },
        });
        expect((await app.get('/api/status')).status).to.equal(500);
        expect((await app.post('/api/redrive', { all: true })).status).to.equal(500);
        expect(app.errors).to.deep.equal(['session store down', 'session store down']);
      });

      it('takes actions as POST only, and reads as GET or HEAD only', async () => {
        const cio = h.client();
        const id = await deadLetterOf(cio, 'posted');
        const app = await serve(cio);
        for (const path of ['/api/redrive', '/api/discard', '/api/isolate', '/api/release', '/api/flush']) {
          const res = await app.get(`${path}?all=true&id=${id}`);
          expect(res.status, path).to.equal(405);
          expect(res.headers['allow']).to.equal('POST');
        }
        const put = await supertest(app.url).put(`${BASE}/api/redrive`).send({ all: true });
        expect(put.status).to.equal(405);
        expect(cio.health().circuit_state).to.equal('CLOSED');
        expect((await cio.deadLetters()).map((d) => d.id)).to.deep.equal([id]);
        const post = await app.post('/api/status');
        expect(post.status).to.equal(405);
        expect(post.headers['allow']).to.equal('GET, HEAD');
        const head = await supertest(app.url).head(`${BASE}/api/status`);
        expect(head.status).to.equal(200);
        expect(head.text ?? '').to.equal('');
      });

      it('refuses cross-origin posts (Sec-Fetch-Site, Origin) and lets same-origin and non-browser ones through', async () => {
        const cio = h.client();
        const ids = [await deadLetterOf(cio, 'x1'), await deadLetterOf(cio, 'x2'), await deadLetterOf(cio, 'x3'), await deadLetterOf(cio, 'x4')];
        const app = await serve(cio, { ...admitAll, trustedOrigins: ['https://admin.example.com'] });
        const hostile: Array<Record<string, string>> = [
          { 'sec-fetch-site': 'cross-site' },
          { 'sec-fetch-site': 'same-site' },
          { 'sec-fetch-site': 'cross-site', origin: `http://${app.host}` }, // Sec-Fetch-Site is the browser's own word
          { origin: 'http://evil.example' },
          { origin: `http://${app.host}.evil.example` },
          { origin: 'null' },
          { origin: 'https://admin.example.com.evil.example' },
        ];
        for (const headers of hostile) {
          for (const [path, body] of [['/api/redrive', { all: true }], ['/api/discard', { id: ids[0] }], ['/api/isolate', {}], ['/api/flush', {}]] as const) {
            const res = await app.post(path, body).set(headers);
            expect(res.status, `${path} ${JSON.stringify(headers)}`).to.equal(403);
            expect(res.body.error).to.match(/cross-origin request refused/);
          }
        }
        expect((await cio.deadLetters()).length).to.equal(4);
        expect(cio.health().circuit_state).to.equal('CLOSED');

        // The page's own fetches, a browser without Sec-Fetch-Site, a trusted origin, and curl.
        expect((await app.post('/api/redrive', { ids: [ids[0]] }).set('sec-fetch-site', 'same-origin')).body).to.deep.equal({ moved: 1 });
        expect((await app.post('/api/redrive', { ids: [ids[1]] }).set('origin', `http://${app.host}`)).body).to.deep.equal({ moved: 1 });
        expect((await app.post('/api/redrive', { ids: [ids[2]] }).set('origin', 'https://admin.example.com')).body).to.deep.equal({ moved: 1 });
        expect((await app.post('/api/redrive', { ids: [ids[3]] })).body).to.deep.equal({ moved: 1 });
      });

      it('takes JSON bodies only (what no cross-site form or no-cors fetch can send)', async () => {
        const cio = h.client();
        const id = await deadLetterOf(cio, 'typed');
        const app = await serve(cio);
        const post = (type: string | undefined, body: string) => {
          const req = supertest(app.url).post(`${BASE}/api/redrive`);
          if (type !== undefined) req.set('content-type', type);
          return req.send(body);
        };
        for (const [type, body] of [
          ['text/plain', '{"all":true}'],
          ['text/plain;charset=UTF-8', '{"all":true}'],
          ['application/x-www-form-urlencoded', 'all=true'],
          ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="all"\r\n\r\ntrue\r\n--x--\r\n'],
          ['application/jsonp', '{"all":true}'],
          [undefined, ''],
        ] as const) {
          const res = await post(type, body);
          expect(res.status, String(type)).to.equal(415);
          expect(res.body.error).to.match(/JSON/);
        }
        expect((await cio.deadLetters()).map((d) => d.id)).to.deep.equal([id]);
        expect((await post('Application/JSON; charset=utf-8', '{"all":true}')).body).to.deep.equal({ moved: 1 });
      });

      it('validates ids, limits and every field, and never touches the store on bad input', async () => {
        const cio = h.client();
        const id = await deadLetterOf(cio, 'valid');
        const app = await serve(cio);
        const bad: Array<[string, unknown]> = [
          ['/api/redrive', {}],
          ['/api/redrive', { ids: [] }],
          ['/api/redrive', { ids: id }],
          ['/api/redrive', { ids: [id, 42] }],
          ['/api/redrive', { ids: ['<img src=x onerror=alert(1)>'] }],
          ['/api/redrive', { ids: ['../../etc/passwd'] }],
          ['/api/redrive', { ids: ['x'.repeat(65)] }],
          ['/api/redrive', { ids: Array.from({ length: 1001 }, (_, i) => `id${i}`) }],
          ['/api/redrive', { all: false }],
          ['/api/redrive', { all: 'true' }],
          ['/api/redrive', { all: true, ids: [id] }],
          ['/api/redrive', { ids: [id], extra: 1 }],
          ['/api/redrive', [id]],
          ['/api/redrive', 'all'],
          ['/api/discard', {}],
          ['/api/discard', { id: [id] }],
          ['/api/discard', { id: '' }],
          ['/api/discard', { id: 'a b' }],
          ['/api/discard', { ids: [id] }],
          ['/api/isolate', { hold: true }],
          ['/api/release', { now: 1 }],
          ['/api/flush', { timeoutMs: -1 }],
          ['/api/flush', { timeoutMs: 60_001 }],
          ['/api/flush', { timeoutMs: 1.5 }],
          ['/api/flush', { timeoutMs: '100' }],
        ];
        for (const [path, body] of bad) {
          const res = await supertest(app.url).post(`${BASE}${path}`).set('content-type', 'application/json').send(JSON.stringify(body));
          expect(res.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).to.equal(400);
          expect(res.body.error).to.be.a('string');
          // Error messages never echo the input.
          expect(res.text).to.not.include('<img').and.not.include('passwd');
        }
        const malformed = await supertest(app.url).post(`${BASE}/api/redrive`).set('content-type', 'application/json').send('{"all": tru');
        expect(malformed.status).to.equal(400);
        expect(malformed.body.error).to.match(/not valid JSON/);
        const huge = await supertest(app.url).post(`${BASE}/api/redrive`).set('content-type', 'application/json').send(JSON.stringify({ ids: ['x'.repeat(70_000)] }));
        expect(huge.status).to.equal(413);
        // Chunked, with no Content-Length to refuse it early: the reader stops at the limit.
        const chunked = await new Promise<number>((resolve, reject) => {
          const req = request(`${app.url}${BASE}/api/redrive`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.write('{"ids":["');
          for (let i = 0; i < 70; i++) req.write('x'.repeat(1024));
          req.end('"]}');
        });
        expect(chunked).to.equal(413);
        for (const query of ['limit=0', 'limit=1001', 'limit=-1', 'limit=1.5', 'limit=abc', 'limit=', 'limit=1&limit=2', 'limit=10&x=1', 'order=desc']) {
          const res = await app.get(`/api/dead-letters?${query}`);
          expect(res.status, query).to.equal(400);
        }
        expect((await app.get('/api/dead-letters?limit=1000')).status).to.equal(200);
        expect((await app.post('/api/discard', { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).status).to.equal(404);
        expect(cio.health().circuit_state).to.equal('CLOSED');
        expect((await cio.deadLetters()).map((d) => d.id)).to.deep.equal([id]);
      });

      it('answers everything with Cache-Control: no-store, the strict CSP, nosniff and no framing', async () => {
        const cio = h.client();
        const id = await deadLetterOf(cio, 'headers');
        const app = await serve(cio);
        const requests: Array<[string, () => supertest.Test]> = [
          ['page', () => app.get('/')],
          ['page without slash', () => supertest(app.url).get(BASE)],
          ['script', () => app.get('/console.js')],
          ['style', () => app.get('/console.css')],
          ['icon', () => app.get('/favicon.svg')],
          ['status', () => app.get('/api/status')],
          ['dead letters', () => app.get('/api/dead-letters')],
          ['bad limit', () => app.get('/api/dead-letters?limit=0')],
          ['405', () => app.get('/api/redrive')],
          ['403', () => app.post('/api/redrive', { all: true }).set('sec-fetch-site', 'cross-site')],
          ['415', () => supertest(app.url).post(`${BASE}/api/redrive`).set('content-type', 'text/plain').send('{}')],
          ['400', () => app.post('/api/redrive', {})],
          ['404 discard', () => app.post('/api/discard', { id: 'NOSUCHID' })],
          ['isolate', () => app.post('/api/isolate')],
          ['release', () => app.post('/api/release')],
          ['flush', () => app.post('/api/flush', { timeoutMs: 100 })],
          ['redrive', () => app.post('/api/redrive', { ids: [id] })],
        ];
        for (const [name, request] of requests) {
          const res = await request();
          expect(res.status, name).to.be.below(500);
          expect(res.headers['cache-control'], name).to.equal('no-store');
          expect(res.headers['content-security-policy'], name).to.equal(STRICT_CSP);
          expect(res.headers['x-content-type-options'], name).to.equal('nosniff');
          expect(res.headers['x-frame-options'], name).to.equal('DENY');
          expect(res.headers['referrer-policy'], name).to.equal('no-referrer');
        }
      });

      it('escapes what the page shows, has no inline script or style, and its script writes no markup', async () => {
        const cio = h.client();
        const title = `<script>alert("t")</script> & 'co'`;
        const app = await serve(cio, { ...admitAll, title });
        const page = await app.get('/').expect(200);
        expect(page.headers['content-type']).to.equal('text/html; charset=utf-8');
        expect(page.text).to.not.include('<script>alert');
        expect(page.text).to.include('<h1>&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; &#39;co&#39;</h1>');
        // Exactly one script, the router's own; no inline code or style anywhere (the CSP would block it).
        expect(page.text.match(/<script\b[^>]*>/g)).to.deep.equal(['<script src="./console.js" defer>']);
        expect(page.text).to.not.match(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i);
        expect(page.text).to.not.match(/(src|href)="(https?:)?\/\//);
        const status = await app.get('/api/status').expect(200);
        expect(status.body.title).to.equal(title);
        // The page's script builds the DOM from data with textContent only.
        expect(CONSOLE_JS).to.not.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
        expect(CONSOLE_JS).to.include('textContent');
        const js = await app.get('/console.js').expect(200);
        expect(js.headers['content-type']).to.equal('text/javascript; charset=utf-8');
        expect(js.text).to.equal(CONSOLE_JS);
      });

      it('shows attribute values only when the app opts in, and never credentials', async () => {
        const cio = h.client();
        await deadLetterOf(cio, 'valued');
        const plain = await serve(cio);
        const opted = await serve(cio, { ...admitAll, showValues: true });
        for (const path of ['/', '/api/status', '/api/dead-letters']) {
          expect((await plain.get(path).expect(200)).text, path).to.not.include('secret-plan-valued');
        }
        expect((await plain.get('/').expect(200)).text).to.not.include('<th scope="col">values</th>');
        const withValues = await opted.get('/api/dead-letters').expect(200);
        expect(withValues.body.items[0].args).to.deep.equal(['valued', { plan: 'secret-plan-valued' }]);
        expect((await opted.get('/api/status').expect(200)).body.showValues).to.equal(true);
        expect((await opted.get('/').expect(200)).text).to.include('<th scope="col">values</th>').and.include('data-show-values="true"');
        for (const app of [plain, opted]) {
          for (const path of ['/', '/api/status', '/api/dead-letters']) assertNoSecrets((await app.get(path)).text, path);
        }
      });
    });

    describe('routes and actions', () => {
      it('serves the page at its path with a trailing slash, and passes every other path on', async () => {
        const cio = h.client();
        const app = await serve(cio);
        const bare = await supertest(app.url).get(BASE);
        expect(bare.status).to.equal(308);
        expect(bare.headers['location']).to.equal('./customerio/');
        const page = await app.get('/').expect(200);
        expect(page.text).to.match(/^<!doctype html>/);
        expect(page.text).to.include('<link rel="stylesheet" href="./console.css">');
        expect((await app.get('/console.css').expect(200)).headers['content-type']).to.equal('text/css; charset=utf-8');
        for (const path of ['/api', '/api/', '/api/statu', '/console.js/x', '/API/status', '/api/redrive/x']) {
          const res = await app.get(path);
          expect(res.status, path).to.equal(404);
          expect(res.text).to.equal('app 404');
        }
        expect((await supertest(app.url).get('/ops')).text).to.equal('app 404');
      });

      it('holds the circuits open from the console and releases them', async () => {
        const cio = h.client();
        const app = await serve(cio);
        const held = await app.post('/api/isolate').expect(200);
        expect(held.body.held).to.equal(true);
        expect(Date.parse(held.body.since)).to.be.closeTo(Date.now(), 60_000);
        expect((await app.post('/api/isolate').expect(200)).body).to.deep.equal(held.body); // holding twice is one hold
        expect(cio.health().circuit_state).to.equal('ISOLATED');
        const status = await app.get('/api/status').expect(200);
        expect(status.body.apis.track.circuit_state).to.equal('ISOLATED');
        expect(status.body.apis.app.circuit_state).to.equal('ISOLATED');
        expect(status.body.isolation).to.deep.equal({ held: true, since: held.body.since });
        const r = await cio.track('while-held', { name: 'held_back' });
        expect(r.status).to.equal('queued');
        expect(h.emu.requests).to.have.length(0);

        expect((await app.post('/api/release').expect(200)).body).to.deep.equal({ released: true, held: false });
        expect(cio.health().circuit_state).to.equal('CLOSED');
        expect((await app.post('/api/release').expect(200)).body).to.deep.equal({ released: false, held: false });
        expect((await app.post('/api/flush').expect(200)).body).to.deep.equal({ delivered: 1, remaining: 0 });
        expect(h.emu.events.map((e) => e.name)).to.deep.equal(['held_back']);
      });

      it('counts recent outcomes from the moment it is mounted', async () => {
        const cio = h.client();
        await cio.track('before', { name: 'not_counted' });
        const app = await serve(cio);
        await cio.track('u1', { name: 'counted' });
        await cio.track('u1', { name: 'counted' }, { idempotencyKey: 'k1' });
        await cio.track('u1', { name: 'counted' }, { idempotencyKey: 'k1' });
        await cio.track('', { name: 'invalid' });
        const { outcomes } = (await app.get('/api/status').expect(200)).body;
        expect(outcomes.windowMs).to.equal(300_000);
        expect(outcomes.recent).to.include({ sent: 2, duplicate: 1, rejected: 1, queued: 0 });
        expect(outcomes.total).to.deep.equal(outcomes.recent);
        expect(Date.parse(outcomes.since)).to.be.closeTo(Date.now(), 60_000);
      });

      it('answers 500 (and logs) when the store fails, without showing the error', async () => {
        const cio = h.client();
        const app = await serve(cio);
        await cio.close({ timeoutMs: 0 }); // the store is closed: listing and re-driving fail
        const res = await app.get('/api/dead-letters');
        expect(res.status).to.equal(500);
        expect(res.body).to.deep.equal({ error: 'the console could not do this; see the app log' });
        expect(res.headers['cache-control']).to.equal('no-store');
      });

      it('discards nothing without a queue, and answers 500 for a store that cannot discard', async () => {
        const none = h.client({ queue: false });
        const bare = await serve(none);
        expect((await bare.get('/api/dead-letters').expect(200)).body).to.deep.equal({ total: 0, limit: 100, items: [] });
        expect((await bare.post('/api/discard', { id: 'ANYID' })).status).to.equal(404);
        expect(await none.discardDeadLetters(['ANYID'])).to.equal(0);

        // A store written before discardDeadLetters existed (the method is optional in the contract).
        const real = memoryQueue();
        const old: QueueStore = {
          name: 'old-store',
          push: (e) => real.push(e),
          take: (n, lease) => real.take(n, lease),
          ack: (ids) => real.ack(ids),
          retry: (ids, d, last, o) => real.retry(ids, d, last, o),
          deadLetter: (ids, reason) => real.deadLetter(ids, reason),
          addDeadLetter: (e, reason) => real.addDeadLetter(e, reason),
          listDeadLetters: (limit) => real.listDeadLetters(limit),
          redrive: (ids) => real.redrive(ids),
          stats: () => real.stats(),
          close: () => real.close(),
        };
        const cio = h.client({ queue: old });
        const id = await deadLetterOf(cio, 'old');
        const app = await serve(cio);
        const res = await app.post('/api/discard', { id });
        expect(res.status).to.equal(500);
        expect(res.body.error).to.equal('the console could not do this; see the app log');
        let caught: unknown;
        await cio.discardDeadLetters([id]).catch((err: unknown) => (caught = err));
        expect(caught).to.be.instanceOf(TypeError);
        expect((caught as Error).message).to.match(/cannot discard dead letters/);
        expect((await cio.deadLetters()).map((d) => d.id)).to.deep.equal([id]);
      });

      if (fw.name === 'express') {
        it('works behind express.json() (the body already read) and at a path of its own', async () => {
          const cio = h.client();
          const id = await deadLetterOf(cio, 'parsed');
          const app = await serve(cio, admitAll, { json: true });
          expect((await app.post('/api/redrive', { ids: [id] }).expect(200)).body).to.deep.equal({ moved: 1 });
          const refused = await supertest(app.url).post(`${BASE}/api/redrive`).set('content-type', 'text/plain').send('{"all":true}');
          expect(refused.status).to.equal(415);

          const own = express();
          own.use(cioExpress.cioConsoleRouter(cio, { guard: () => true, path: '/admin/cio' }));
          const agent = supertest(own);
          expect((await agent.get('/admin/cio/api/status')).status).to.equal(200);
          expect((await agent.get('/admin/cio')).headers['location']).to.equal('./cio/');
          expect((await agent.get('/')).status).to.equal(404);
        });
      } else {
        it('lives at a path of its own', async () => {
          const cio = h.client();
          const app = new Koa();
          app.use(cioKoa.cioConsoleRouter(cio, { guard: () => true, path: '/admin/cio/' }));
          const agent = supertest(app.callback());
          expect((await agent.get('/admin/cio/api/status')).status).to.equal(200);
          expect((await agent.get('/admin/cio/')).status).to.equal(200);
          expect((await agent.get('/admin/cio')).headers['location']).to.equal('./cio/');
          expect((await agent.get('/ops/customerio/')).status).to.equal(404);
        });
      }
    });
  });
}

describe('http: the console counts outcomes in a sliding window', () => {
  it('drops what is older than the window from "recent" and keeps it in "total"', () => {
    const listeners = new Map<string, (payload: unknown) => void>();
    const client = { on: (event: string, listener: (payload: unknown) => void) => listeners.set(event, listener) } as unknown as CioClient;
    let now = 1_000_000;
    const counter = new OutcomeCounter(client, 60_000, () => now);
    const result = (status: string) => listeners.get('result')!({ status });
    result('sent');
    result('queued');
    listeners.get('sent')!({ replayed: true });
    listeners.get('sent')!({ replayed: false }); // a live send: counted by its result, not twice
    listeners.get('deadLettered')!({});
    result('no-such-status');
    expect(counter.snapshot().recent).to.include({ sent: 1, queued: 1, replayed: 1, deadLettered: 1 });
    now += 30_000;
    result('sent');
    now += 40_000; // the first ones are now 70 s old
    const later = counter.snapshot();
    expect(later.recent).to.deep.equal({ sent: 1, queued: 0, duplicate: 0, rejected: 0, failed: 0, dropped: 0, replayed: 0, deadLettered: 0 });
    expect(later.total).to.include({ sent: 2, queued: 1, replayed: 1, deadLettered: 1 });
    now += 60_000;
    expect(counter.snapshot().recent.sent).to.equal(0);
    expect(counter.snapshot().since).to.equal(new Date(1_000_000).toISOString());
  });
});
