import { expect } from 'chai';
import { CustomerIORequestError, PipelinesClient, TrackClient } from 'customerio-node';
import type { BatchItem } from 'customerio-node';
import { startCioEmulator } from '../../src/testing/index.js';
import type { CioEmulator, PipelinesMessage } from '../../src/testing/index.js';
import { CREDS, rejectionOf, trackClient } from '../support/emulator.js';

/** A distinctive write key, so a test can prove it never leaks into records. */
const WRITE_KEY = 'pipelines-secret-5e1f0c77';
const PIPELINES_AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A real SDK Pipelines client on the emulator, with the SDK's own retries off unless asked for. */
function pipelines(emu: CioEmulator, opts: { strict?: boolean; writeKey?: string; maxRetries?: number } = {}): PipelinesClient {
  return new PipelinesClient(opts.writeKey ?? WRITE_KEY, {
    url: emu.pipelinesUrl,
    strictMode: opts.strict ?? true,
    timeout: 3000,
    retry: { maxRetries: opts.maxRetries ?? 0, minTimeoutMs: 1, maxTimeoutMs: 5 },
  });
}

/** Assert an SDK call failed with `status` and a `meta.errors` list matching each of `patterns`. */
async function expectErrors(promise: Promise<unknown>, status: number, ...patterns: RegExp[]): Promise<string[]> {
  const error = await rejectionOf(promise);
  expect(error).to.be.instanceOf(CustomerIORequestError);
  const cioError = error as CustomerIORequestError;
  expect(cioError.statusCode).to.equal(status);
  const errors = (JSON.parse(cioError.body) as { meta: { errors: string[] } }).meta.errors;
  expect(errors).to.be.an('array');
  for (const pattern of patterns) expect(errors.some((e) => pattern.test(e)), `${String(pattern)} in ${JSON.stringify(errors)}`).to.equal(true);
  return errors;
}

/** A request with plain fetch, for what the SDK refuses to send (no userId, no event, not JSON). */
async function post(
  emu: CioEmulator,
  path: string,
  body: string,
  opts: { strict?: boolean; auth?: string | null } = {},
): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const auth = opts.auth === undefined ? PIPELINES_AUTH : opts.auth;
  if (auth !== null) headers['Authorization'] = auth;
  if (opts.strict ?? true) headers['X-Strict-Mode'] = '1';
  const res = await fetch(`${emu.pipelinesUrl}${path}`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
}

const brief = (m: PipelinesMessage) => [m.type, m.userId, m.anonymousId, m.name, m.batchIndex];

describe('testing/emulator: the Data Pipelines API', () => {
  let emu: CioEmulator;

  beforeEach(async () => {
    emu = await startCioEmulator({ ...CREDS, pipelinesWriteKey: WRITE_KEY });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('serves every PipelinesClient call at pipelinesUrl, answers {} and records each message', async () => {
    expect(emu.pipelinesUrl).to.equal(`${emu.url}/cdp/v1`);
    const cdp = pipelines(emu);
    const answers = [
      await cdp.identify({ userId: 'u1', traits: { email: 'u1@example.com', plan: 'pro' } }),
      await cdp.track({ userId: 'u1', event: 'Signed Up', properties: { plan: 'pro' } }),
      await cdp.page({ anonymousId: 'anon-1', name: 'Pricing', properties: { path: '/pricing' } }),
      await cdp.screen({ userId: 42, name: 'Settings' }),
      await cdp.group({ userId: 'u1', groupId: 'acme', traits: { name: 'Acme' } }),
      await cdp.alias({ userId: 'u1', previousId: 'anon-1' }),
    ];
    expect(answers).to.deep.equal([{}, {}, {}, {}, {}, {}]);

    expect(emu.requests.map((r) => [r.method, r.path, r.api, r.operation, r.status, r.auth])).to.deep.equal([
      ['POST', '/cdp/v1/identify', 'pipelines', 'pipelines.identify', 200, 'ok'],
      ['POST', '/cdp/v1/track', 'pipelines', 'pipelines.track', 200, 'ok'],
      ['POST', '/cdp/v1/page', 'pipelines', 'pipelines.page', 200, 'ok'],
      ['POST', '/cdp/v1/screen', 'pipelines', 'pipelines.screen', 200, 'ok'],
      ['POST', '/cdp/v1/group', 'pipelines', 'pipelines.group', 200, 'ok'],
      ['POST', '/cdp/v1/alias', 'pipelines', 'pipelines.alias', 200, 'ok'],
    ]);
    expect(emu.pipelinesMessages.map(brief)).to.deep.equal([
      ['identify', 'u1', null, null, null],
      ['track', 'u1', null, 'Signed Up', null],
      ['page', null, 'anon-1', 'Pricing', null],
      ['screen', '42', null, 'Settings', null],
      ['group', 'u1', null, null, null],
      ['alias', 'u1', null, null, null],
    ]);
    const [identify] = emu.pipelinesMessages;
    expect(identify?.messageId).to.match(UUID);
    expect(identify?.strict).to.equal(true);
    expect(identify?.requestSeq).to.equal(1);
    expect(identify?.payload).to.include({ userId: 'u1' }).and.to.have.nested.property('context.library.name', 'customerio-node');
    expect(new Set(emu.pipelinesMessages.map((m) => m.messageId)).size).to.equal(6);
    expect(emu.pipelinesPeople.get('u1')).to.deep.equal({ email: 'u1@example.com', plan: 'pro' });
    expect(emu.pipelinesRejected).to.deep.equal([]);
    expect(emu.pipelinesDuplicates).to.equal(0);
    // The Track API's workspace is another thing: Pipelines messages leave it alone.
    expect(emu.people.size).to.equal(0);
    expect(emu.events).to.have.length(0);
    expect(emu.operations).to.have.length(0);
  });

  it('records a replay of a messageId as a duplicate, not a second message', async () => {
    const cdp = pipelines(emu);
    await cdp.track({ userId: 'u1', event: 'Order Completed', messageId: 'order-1001' });
    await cdp.track({ userId: 'u1', event: 'Order Completed', messageId: 'order-1001' });
    await cdp.batch([
      { type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'order-1001' },
      { type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'order-1002' },
      { type: 'identify', userId: 'u1', traits: { orders: 2 }, messageId: 'order-1002' },
    ]);

    expect(emu.pipelinesMessages.map((m) => [m.type, m.messageId, m.batchIndex])).to.deep.equal([
      ['track', 'order-1001', null],
      ['track', 'order-1002', 1],
    ]);
    expect(emu.pipelinesDuplicates).to.equal(3);
    // A duplicate identify changes no traits either.
    expect(emu.pipelinesPeople.has('u1')).to.equal(false);
    expect(emu.requests.map((r) => r.status)).to.deep.equal([200, 200, 200]);
  });

  it('keeps one message when the SDK retries a request whose answer was lost (same messageId on every attempt)', async () => {
    const lost = emu.fault({ applyThen: 'reset', times: 1, match: { api: 'pipelines', operation: 'pipelines.track' } });
    const answer = await pipelines(emu, { maxRetries: 2 }).track({ userId: 'u1', event: 'Paid', properties: { amount: 10 } });

    expect(answer).to.deep.equal({});
    expect(lost.hits).to.equal(1);
    expect(emu.requests.map((r) => [r.operation, r.fault, r.status, r.retryCount])).to.deep.equal([
      ['pipelines.track', true, null, 0],
      ['pipelines.track', false, 200, 1],
    ]);
    expect(emu.pipelinesMessages.map(brief)).to.deep.equal([['track', 'u1', null, 'Paid', null]]);
    expect(emu.pipelinesDuplicates).to.equal(1);
  });

  it('answers a fault injected on a Pipelines route, and leaves the other APIs alone', async () => {
    const rule = emu.fault({ status: 503, retryAfter: 1, times: 1, match: { api: 'pipelines' } });
    const cdp = pipelines(emu);
    const track: TrackClient = trackClient(emu);

    const error = await rejectionOf(cdp.identify({ userId: 'u1', traits: { a: 1 } }));
    expect(error).to.be.instanceOf(CustomerIORequestError);
    expect((error as CustomerIORequestError).statusCode).to.equal(503);
    expect((error as CustomerIORequestError).response.headers['retry-after']).to.equal('1');
    await track.identify('u1', { a: 1 });
    await cdp.identify({ userId: 'u1', traits: { a: 2 } });

    expect(rule.hits).to.equal(1);
    expect(emu.requests.map((r) => [r.api, r.operation, r.status, r.fault])).to.deep.equal([
      ['pipelines', 'pipelines.identify', 503, true],
      ['track', 'identify', 200, false],
      ['pipelines', 'pipelines.identify', 200, false],
    ]);
    expect(emu.pipelinesPeople.get('u1')).to.deep.equal({ a: 2 });

    // A rule can name one Pipelines operation; the others pass.
    emu.fault({ status: 500, match: { operation: 'pipelines.batch' } });
    await cdp.track({ userId: 'u1', event: 'ok' });
    const batchError = await rejectionOf(cdp.batch([{ type: 'track', userId: 'u1', event: 'lost' }]));
    expect((batchError as CustomerIORequestError).statusCode).to.equal(500);
    expect(emu.pipelinesMessages.map((m) => m.name)).to.deep.equal([null, 'ok']);
  });

  describe('write key', () => {
    it('answers 401 to a wrong or missing write key in strict mode, and processes nothing', async () => {
      await expectErrors(pipelines(emu, { writeKey: 'not-the-key' }).track({ userId: 'u1', event: 'x' }), 401, /Unauthorized/);
      const missing = await post(emu, '/track', JSON.stringify({ userId: 'u1', event: 'x' }), { auth: null });
      expect(missing.status).to.equal(401);
      expect(missing.json).to.have.nested.property('meta.errors[0]').that.matches(/Unauthorized/);
      // The Track API's credentials are not a write key.
      const trackCreds = await post(emu, '/track', JSON.stringify({ userId: 'u1', event: 'x' }), {
        auth: `Basic ${Buffer.from(`${CREDS.siteId}:${CREDS.apiKey}`).toString('base64')}`,
      });
      expect(trackCreds.status).to.equal(401);

      expect(emu.requests.map((r) => [r.auth, r.status])).to.deep.equal([
        ['invalid', 401],
        ['missing', 401],
        ['invalid', 401],
      ]);
      expect(emu.pipelinesMessages).to.have.length(0);
      expect(emu.pipelinesRejected.map((r) => [r.type, r.status, r.strict])).to.deep.equal([
        ['track', 401, true],
        ['track', 401, true],
        ['track', 401, true],
      ]);
    });

    it('answers 200 to a wrong write key without strict mode (Customer.io logs it and drops the message)', async () => {
      const answer = await pipelines(emu, { strict: false, writeKey: 'not-the-key' }).identify({ userId: 'u1', traits: { a: 1 } });
      expect(answer).to.deep.equal({});
      expect(emu.requests.map((r) => [r.auth, r.status])).to.deep.equal([['invalid', 200]]);
      expect(emu.pipelinesMessages).to.have.length(0);
      expect(emu.pipelinesPeople.size).to.equal(0);
      expect(emu.pipelinesRejected.map((r) => [r.type, r.status, r.strict, r.batchIndex])).to.deep.equal([['identify', 401, false, null]]);
    });

    it('takes the documented default write key, and never records it', async () => {
      const plain = await startCioEmulator();
      try {
        await new PipelinesClient('emu-pipelines-key', { url: plain.pipelinesUrl, strictMode: true, retry: { maxRetries: 0 } }).track({
          userId: 'u1',
          event: 'x',
        });
        expect(plain.pipelinesMessages).to.have.length(1);
      } finally {
        await plain.close();
      }
      await pipelines(emu).track({ userId: 'u1', event: 'x' });
      await rejectionOf(pipelines(emu, { writeKey: 'wrong-key-77aa' }).track({ userId: 'u1', event: 'x' }));
      const recorded = JSON.stringify([emu.requests, emu.pipelinesMessages, emu.pipelinesRejected]);
      for (const secret of [WRITE_KEY, PIPELINES_AUTH, 'wrong-key-77aa', Buffer.from('wrong-key-77aa:').toString('base64')]) {
        expect(recorded).to.not.include(secret);
      }
    });
  });

  describe('validation', () => {
    it('answers 400 with meta.errors in strict mode: no userId/anonymousId, no event, no groupId, no previousId', async () => {
      const cases: [string, object, RegExp][] = [
        ['/identify', { traits: { plan: 'pro' } }, /userId or anonymousId is required/],
        ['/track', { userId: 'u1' }, /event is required/],
        ['/track', { event: 'x' }, /userId or anonymousId is required/],
        ['/page', { name: 'Home' }, /userId or anonymousId is required/],
        ['/screen', { userId: '' }, /userId or anonymousId is required/],
        ['/group', { userId: 'u1' }, /groupId is required/],
        ['/alias', { userId: 'u1' }, /previousId is required/],
        ['/alias', { anonymousId: 'a1', previousId: 'p1' }, /userId is required/],
      ];
      for (const [path, body, pattern] of cases) {
        const res = await post(emu, path, JSON.stringify(body));
        expect(res.status, path).to.equal(400);
        const errors = (res.json as { meta: { errors: string[] } }).meta.errors;
        expect(errors.some((e) => pattern.test(e)), `${path}: ${JSON.stringify(errors)}`).to.equal(true);
      }
      expect(emu.pipelinesMessages).to.have.length(0);
      expect(emu.pipelinesRejected).to.have.length(cases.length);
      expect(emu.pipelinesRejected.every((r) => r.status === 400 && r.strict && r.batchIndex === null)).to.equal(true);
    });

    it('rejects what the SDK lets through: a timestamp that is no date, properties that are no object', async () => {
      const cdp = pipelines(emu);
      await expectErrors(cdp.track({ userId: 'u1', event: 'x', timestamp: 'yesterday' }), 400, /timestamp must be an ISO 8601/);
      await expectErrors(cdp.page({ userId: 'u1', properties: 'x' as never }), 400, /properties must be an object/);
      expect(emu.pipelinesMessages).to.have.length(0);
    });

    it('takes an identify that names its person by traits.email alone (as Customer.io documents)', async () => {
      const res = await post(emu, '/identify', JSON.stringify({ traits: { email: 'e@example.com', plan: 'pro' } }));
      expect(res).to.deep.equal({ status: 200, json: {} });
      expect(emu.pipelinesPeople.get('e@example.com')).to.deep.equal({ email: 'e@example.com', plan: 'pro' });
    });

    it('answers 200 without strict mode and drops the invalid message, listing it in pipelinesRejected', async () => {
      const missing = await post(emu, '/track', JSON.stringify({ userId: 'u1' }), { strict: false });
      expect(missing).to.deep.equal({ status: 200, json: {} });
      const notJson = await post(emu, '/identify', '{"userId": ', { strict: false });
      expect(notJson).to.deep.equal({ status: 200, json: {} });
      const answer = await pipelines(emu, { strict: false }).track({ userId: 'u1', event: 'x', timestamp: 'yesterday' });
      expect(answer).to.deep.equal({});

      expect(emu.requests.map((r) => r.status)).to.deep.equal([200, 200, 200]);
      expect(emu.pipelinesMessages).to.have.length(0);
      expect(emu.pipelinesRejected.map((r) => [r.type, r.status, r.strict, r.errors.join('; ')])).to.deep.equal([
        ['track', 400, false, 'event is required'],
        ['identify', 400, false, 'request body is not valid JSON'],
        ['track', 400, false, 'timestamp must be an ISO 8601 date-time string'],
      ]);
      expect(emu.pipelinesRejected[1]?.payload).to.equal(null);
    });

    it('answers 400 to a body that is not JSON in strict mode', async () => {
      const res = await post(emu, '/track', '{"userId": ');
      expect(res.status).to.equal(400);
      expect(res.json).to.deep.equal({ meta: { errors: ['request body is not valid JSON'] } });
      expect(emu.requests.map((r) => [r.operation, r.status, r.body])).to.deep.equal([['pipelines.track', 400, null]]);
    });
  });

  describe('size limits (32 KB a request or a batch item, 500 KB a batch)', () => {
    it('rejects a request over 32 KB: 400 in strict mode, 200 and dropped without', async () => {
      const big = { blob: 'x'.repeat(33 * 1024) };
      await expectErrors(pipelines(emu).identify({ userId: 'u1', traits: big }), 400, /the limit is 32768/);
      const answer = await pipelines(emu, { strict: false }).identify({ userId: 'u1', traits: big });
      expect(answer).to.deep.equal({});
      // Just under the limit passes.
      await pipelines(emu).identify({ userId: 'u1', traits: { blob: 'x'.repeat(31 * 1024) } });

      expect(emu.requests.map((r) => [r.status, r.bodyBytes > 32 * 1024])).to.deep.equal([
        [400, true],
        [200, true],
        [200, false],
      ]);
      expect(emu.pipelinesMessages).to.have.length(1);
      expect(emu.pipelinesRejected.map((r) => [r.status, r.strict])).to.deep.equal([
        [400, true],
        [400, false],
      ]);
    });

    it('rejects a batch over 500 KB whole, even when each item is under 32 KB', async () => {
      const items: BatchItem[] = Array.from({ length: 17 }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'bulk', properties: { blob: 'y'.repeat(30 * 1024) } }));
      await expectErrors(pipelines(emu).batch(items), 400, /batch request is \d+ bytes, the limit is 512000/);
      expect(emu.pipelinesMessages).to.have.length(0);
      expect(emu.pipelinesRejected.map((r) => [r.type, r.batchIndex])).to.deep.equal([['batch', null]]);
      // 16 of them fit.
      await pipelines(emu).batch(items.slice(0, 16));
      expect(emu.pipelinesMessages).to.have.length(16);
    });
  });

  describe('/batch', () => {
    it('takes a mixed batch, each item enveloped by the SDK, and records each as a message', async () => {
      await pipelines(emu).batch([
        { type: 'identify', userId: 'u1', traits: { plan: 'pro' } },
        { type: 'track', userId: 'u1', event: 'Subscribed', properties: { plan: 'pro' } },
        { type: 'page', anonymousId: 'a1', name: 'Home' },
        { type: 'screen', userId: 'u1', name: 'Feed' },
        { type: 'group', userId: 'u1', groupId: 'g1' },
        { type: 'alias', userId: 'u1', previousId: 'a1' },
      ]);
      expect(emu.requests.map((r) => [r.operation, r.status])).to.deep.equal([['pipelines.batch', 200]]);
      expect(emu.pipelinesMessages.map(brief)).to.deep.equal([
        ['identify', 'u1', null, null, 0],
        ['track', 'u1', null, 'Subscribed', 1],
        ['page', null, 'a1', 'Home', 2],
        ['screen', 'u1', null, 'Feed', 3],
        ['group', 'u1', null, null, 4],
        ['alias', 'u1', null, null, 5],
      ]);
      expect(emu.pipelinesMessages.every((m) => UUID.test(m.messageId ?? '') && m.requestSeq === 1)).to.equal(true);
      expect(emu.pipelinesMessages[1]?.payload).to.include({ type: 'track', event: 'Subscribed' });
    });

    it('strict mode: answers 400 naming every invalid item, and applies none of the batch', async () => {
      const items = [
        { type: 'identify', userId: 'u1', traits: { plan: 'pro' } },
        { type: 'track', userId: 'u1' },
        { type: 'group', userId: 'u1', groupId: 'g1' },
        { type: 'track', userId: 'u1', event: 'big', properties: { blob: 'z'.repeat(33 * 1024) } },
      ] as unknown as BatchItem[];
      const errors = await expectErrors(pipelines(emu).batch(items), 400, /^batch\[1\]: event is required$/, /^batch\[3\]: message is \d+ bytes, the limit is 32768$/);
      expect(errors).to.have.length(2);
      const unknownType = await post(emu, '/batch', JSON.stringify({ batch: [{ type: 'explode', userId: 'u1' }, 'nope'] }));
      expect(unknownType.json).to.deep.equal({
        meta: { errors: ['batch[0]: type must be one of identify, track, page, screen, group, alias', 'batch[1]: message must be a JSON object'] },
      });
      const empty = await post(emu, '/batch', JSON.stringify({ batch: [] }));
      expect(empty.status).to.equal(400);

      expect(emu.pipelinesMessages).to.have.length(0);
      expect(emu.pipelinesPeople.size).to.equal(0);
      expect(emu.pipelinesRejected.map((r) => [r.type, r.batchIndex])).to.deep.equal([
        ['track', 1],
        ['track', 3],
        [null, 0],
        [null, 1],
        ['batch', null],
      ]);
    });

    it('without strict mode: applies the valid items and drops the invalid ones, answering 200', async () => {
      const items = [
        { type: 'identify', userId: 'u1', traits: { plan: 'pro' } },
        { type: 'track', anonymousId: 'a1' },
        { type: 'alias', userId: 'u2', previousId: 'u1' },
      ] as unknown as BatchItem[];
      expect(await pipelines(emu, { strict: false }).batch(items)).to.deep.equal({});
      expect(emu.pipelinesMessages.map(brief)).to.deep.equal([
        ['identify', 'u1', null, null, 0],
        ['alias', 'u2', null, null, 2],
      ]);
      expect(emu.pipelinesRejected.map((r) => [r.type, r.batchIndex, r.strict, r.errors])).to.deep.equal([['track', 1, false, ['event is required']]]);
      // The alias folded u1's traits into u2.
      expect([...emu.pipelinesPeople]).to.deep.equal([['u2', { plan: 'pro' }]]);
    });
  });

  describe('profiles', () => {
    it('merges identify traits per profile, and folds the anonymous profile into the user on identify with both ids', async () => {
      const cdp = pipelines(emu);
      await cdp.identify({ anonymousId: 'a1', traits: { source: 'ad', plan: 'free' } });
      await cdp.identify({ userId: 'u1', traits: { plan: 'trial' } });
      await cdp.identify({ userId: 'u1', anonymousId: 'a1', traits: { name: 'Ann' } });
      await cdp.identify({ userId: 'u1', traits: { plan: 'pro' } });
      expect([...emu.pipelinesPeople]).to.deep.equal([['u1', { source: 'ad', plan: 'pro', name: 'Ann' }]]);
    });
  });

  describe('waiting and notifications', () => {
    it('resolves waitForPipelinesMessages once n messages are in, and notifies each message', async () => {
      const seen: string[] = [];
      emu.on('pipelinesMessage', (m) => seen.push(`${m.type}:${m.userId ?? ''}`));
      const waiting = emu.waitForPipelinesMessages(3, { timeoutMs: 2000 });
      const cdp = pipelines(emu);
      void cdp.track({ userId: 'u1', event: 'a' });
      void cdp.batch([
        { type: 'track', userId: 'u2', event: 'b' },
        { type: 'identify', userId: 'u3' },
      ]);
      await waiting;
      expect(emu.pipelinesMessages).to.have.length(3);
      expect([...seen].sort()).to.deep.equal(['identify:u3', 'track:u1', 'track:u2']);
    });

    it('rejects waitForPipelinesMessages after its timeout, and counts only accepted messages', async () => {
      await post(emu, '/track', JSON.stringify({ userId: 'u1' }));
      const error = await rejectionOf(emu.waitForPipelinesMessages(1, { timeoutMs: 30 }));
      expect(String(error)).to.match(/timed out after 30 ms waiting for 1 Data Pipelines messages; got 0/);
    });

    it('forgets messages, rejections, profiles and seen messageIds on reset()', async () => {
      const cdp = pipelines(emu);
      await cdp.identify({ userId: 'u1', traits: { a: 1 }, messageId: 'm-1' });
      await cdp.identify({ userId: 'u1', traits: { a: 1 }, messageId: 'm-1' });
      await post(emu, '/track', JSON.stringify({ userId: 'u1' }));
      emu.reset();
      expect([emu.pipelinesMessages.length, emu.pipelinesRejected.length, emu.pipelinesPeople.size, emu.pipelinesDuplicates]).to.deep.equal([0, 0, 0, 0]);
      await cdp.identify({ userId: 'u1', traits: { a: 2 }, messageId: 'm-1' });
      expect(emu.pipelinesMessages.map((m) => [m.messageId, m.requestSeq])).to.deep.equal([['m-1', 1]]);
    });
  });
});
