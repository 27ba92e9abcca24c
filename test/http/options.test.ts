import { expect } from 'chai';
import * as cioExpress from '../../src/http/express.js';
import * as cioKoa from '../../src/http/koa.js';
import { normalizeMiddlewareOptions } from '../../src/http/middlewareOptions.js';
import { harness, type Harness } from '../support/harness.js';

describe('http: cioMiddleware options', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  for (const [name, entry] of [['express', cioExpress], ['koa', cioKoa]] as const) {
    it(`${name}: throws at once for invalid options, naming the option, the expected and the actual`, () => {
      const make = (options: unknown) => () => entry.cioMiddleware(options as never);
      expect(make(undefined)).to.throw(TypeError, /cioMiddleware: options must be an object with a client, got undefined/);
      expect(make({})).to.throw(TypeError, /cioMiddleware: options\.client must be a CioClient \(from createCioClient\), got undefined/);
      expect(make({ client: { track: 1 } })).to.throw(TypeError, /options\.client must be a CioClient.*got an object/);
      expect(make({ client: h.client(), personId: 'user' })).to.throw(TypeError, /options\.personId must be a function .* got "user"/);
      expect(make({ client: h.client(), idempotencyHeader: 'bad header' })).to.throw(TypeError, /options\.idempotencyHeader must be an HTTP header name or false, got "bad header"/);
      expect(make({ client: h.client() })()).to.be.a('function');
    });
  }

  it('defaults the header to idempotency-key, lower-cases a given one, and turns it off with false', () => {
    const client = h.client();
    const given = { client, idempotencyHeader: 'X-Request-Id' };
    expect(normalizeMiddlewareOptions({ client }).idempotencyHeader).to.equal('idempotency-key');
    expect(normalizeMiddlewareOptions(given).idempotencyHeader).to.equal('x-request-id');
    expect(given.idempotencyHeader).to.equal('X-Request-Id');
    expect(normalizeMiddlewareOptions({ client, idempotencyHeader: false }).idempotencyHeader).to.equal(undefined);
  });
});
