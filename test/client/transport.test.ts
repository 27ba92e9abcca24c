import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { expect } from 'chai';
import { Agent, ProxyAgent } from 'undici';
import { harness, type Harness } from '../support/harness.js';
import { startForwardProxy } from '../support/forwardProxy.js';

describe('client: transport (dispatcher and extra headers)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('sends every request, Track and App, single and batched, through a ProxyAgent to a forward proxy', async () => {
    const proxy = await startForwardProxy();
    const dispatcher = new ProxyAgent(proxy.url);
    try {
      const cio = h.client({ dispatcher });
      const results = await Promise.all([
        cio.track('u1', { name: 'through_proxy' }),
        cio.identify('u1', { plan: 'pro' }, { batch: true }),
        cio.sendEmail({ to: 'u1@example.com', identifiers: { id: 'u1' }, transactional_message_id: 1 }),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(['sent', 'sent', 'sent']);
      const emulator = new URL(h.emu.url).host;
      expect(proxy.tunnels.length).to.be.greaterThan(0);
      expect(new Set(proxy.tunnels)).to.deep.equal(new Set([emulator]));
      expect(h.emu.events.map((e) => e.name)).to.deep.equal(['through_proxy']);
      expect(h.emu.requests.map((r) => r.operation).sort()).to.deep.equal(['batch', 'sendEmail', 'track']);
    } finally {
      await dispatcher.close();
      await proxy.close();
    }
  });

  it('uses an Agent given (keep-alive, TLS settings): its connections carry the calls', async () => {
    let connections = 0;
    const dispatcher = new Agent({ connect: { timeout: 1_000 }, keepAliveTimeout: 10_000 });
    dispatcher.on('connect', () => connections++);
    try {
      const cio = h.client({ dispatcher });
      for (let i = 0; i < 5; i++) expect((await cio.track('u1', { name: `e${i}` })).status).to.equal('sent');
      // Without the option the global dispatcher would carry them and this Agent would connect 0 times.
      expect(connections).to.be.within(1, 4); // and kept alive: fewer connections than calls
    } finally {
      await dispatcher.close();
    }
  });

  it('adds the extra headers to every request; the SDK keeps its own', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const server = createServer((req, res) => {
      seen.push({ ...req.headers });
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const cio = h.client({ trackUrl: `${url}/api/v1`, headers: { 'X-Request-Source': 'checkout', traceparent: '00-abc-def-01' } });
      expect((await cio.track('u1', { name: 'e' })).status).to.equal('sent');
      expect(seen).to.have.length(1);
      expect(seen[0]).to.include({ 'x-request-source': 'checkout', traceparent: '00-abc-def-01' });
      expect(String(seen[0]!['authorization'])).to.match(/^Basic /);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('checks the transport options with typed errors that never show a header value', () => {
    expect(() => h.client({ dispatcher: {} as never })).to.throw(TypeError, /dispatcher must be an undici Dispatcher/);
    expect(() => h.client({ headers: 'x' as never })).to.throw(TypeError, /headers must be an object/);
    expect(() => h.client({ headers: { 'bad name': 'v' } })).to.throw(TypeError, /not an HTTP header name/);
    expect(() => h.client({ headers: { Authorization: 'Bearer secret-value' } })).to.throw(RangeError, /set by the SDK itself/);
    let message = '';
    try {
      h.client({ headers: { 'X-Token': 'secret-value\r\nInjected: 1' } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.match(/must be a string without line breaks/);
    expect(message).to.not.include('secret-value');
  });
});
