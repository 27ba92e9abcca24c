import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import supertest from 'supertest';
import type { CioClient } from '../../src/client/CioClient.js';
import type { CioResult } from '../../src/client/types.js';
import * as expressExample from '../../examples/express-app.js';
import * as koaExample from '../../examples/koa-app.js';
import { parsePromText, sampleValue } from '../support/promText.js';
import { assertNoSecrets, harness, type Harness } from '../support/harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const EXAMPLES = [
  { name: 'express', file: 'examples/express-app.ts', listener: (cio: CioClient) => expressExample.createApp(cio) },
  { name: 'koa', file: 'examples/koa-app.ts', listener: (cio: CioClient) => koaExample.createApp(cio).callback() },
] as const;

for (const example of EXAMPLES) {
  describe(`examples: ${example.file}`, () => {
    let h: Harness;
    let cio: CioClient;
    let results: CioResult[];
    /** Resolves once the client has finished `n` calls. */
    let finished: (n: number) => Promise<void>;
    beforeEach(async () => {
      h = await harness();
      cio = h.client({ retry: false, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } });
      results = [];
      const waiters: Array<() => void> = [];
      cio.on('result', (r) => {
        results.push(r);
        for (const w of waiters.splice(0)) w();
      });
      finished = async (n) => {
        while (results.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      };
    });
    afterEach(() => h.cleanup());

    it('signs up: the calls reach Customer.io after the 201', async () => {
      const agent = supertest(example.listener(cio));
      const res = await agent.post('/signup').send({ id: 'u1', email: 'u1@example.com', plan: 'pro' });
      expect(res.status).to.equal(201);
      expect(res.body).to.deep.equal({ id: 'u1' });
      await finished(2);
      expect(results.map((r) => [r.operation, r.status])).to.deep.equal([['identify', 'sent'], ['track', 'sent']]);
      expect(h.emu.people.get('u1')).to.include({ email: 'u1@example.com', plan: 'pro' });
      expect(h.emu.events.map((e) => [e.name, e.personId])).to.deep.equal([['signed_up', 'u1']]);
      expect((await agent.post('/signup').send({ id: 'u2' })).status).to.equal(400);
    });

    it('places an order once per Idempotency-Key, and needs a signed-in user', async () => {
      const agent = supertest(example.listener(cio));
      expect((await agent.post('/orders').send({ sku: 'A1' })).status).to.equal(401);
      for (const key of ['k-1', 'k-1', 'k-2']) {
        const res = await agent.post('/orders').set('x-user-id', 'u9').set('Idempotency-Key', key).send({ sku: 'A1' });
        expect(res.status).to.equal(201);
      }
      await finished(3);
      // The repeat settles when the first call does, so it may be reported after the third call.
      expect(results.map((r) => r.status).sort()).to.deep.equal(['duplicate', 'sent', 'sent']);
      const dup = results.find((r) => r.status === 'duplicate');
      expect(results.filter((r) => r.idempotencyKey === dup?.idempotencyKey).map((r) => r.status)).to.deep.equal(['sent', 'duplicate']);
      expect(h.emu.events.map((e) => e.name)).to.deep.equal(['order_placed', 'order_placed']);
    });

    it('answers the same while Customer.io is down, reports it on the health route, and serves metrics', async () => {
      const agent = supertest(example.listener(cio));
      expect((await agent.get('/health/customerio')).status).to.equal(200);
      await h.emu.down();
      // Each signup's calls go out (in one batch) and fail before the next: two failed requests open the circuit.
      for (const [i, id] of ['d1', 'd2'].entries()) {
        expect((await agent.post('/signup').send({ id, email: `${id}@example.com` })).status).to.equal(201);
        await finished(2 * (i + 1));
      }
      const health = await agent.get('/health/customerio');
      expect(health.status).to.equal(503);
      expect(health.headers['cache-control']).to.equal('no-store');
      expect(health.body.customerio).to.include({ circuit_state: 'OPEN' });
      assertNoSecrets(health.text, 'the example health route');

      const boom = await agent.get('/boom');
      expect(boom.status).to.equal(500);
      const metrics = await agent.get('/metrics');
      expect(metrics.status).to.equal(200);
      const { samples } = parsePromText(metrics.text);
      expect(sampleValue(samples, 'customerio_circuit_state')).to.equal(2);
      const failedOrQueued = samples.filter((s) => s.name === 'customerio_operations_total').reduce((n, s) => n + s.value, 0);
      expect(failedOrQueued).to.be.at.least(4);
    });

    it('runs on its own: starts an emulator, listens, answers its health route, stops on SIGTERM', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', example.file], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        let out = '';
        const url = await new Promise<string>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
            if (m) resolve(m[1] as string);
          });
          child.once('exit', (code) => reject(new Error(`the example exited (${String(code)}) before listening: ${out}`)));
        });
        const res = await fetch(`${url}/health/customerio`);
        expect(res.status).to.equal(200);
        expect(((await res.json()) as { customerio: { circuit_state: string } }).customerio.circuit_state).to.equal('CLOSED');
        child.kill('SIGTERM');
        const [code] = (await once(child, 'exit')) as [number | null];
        expect(code).to.equal(0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  });
}
