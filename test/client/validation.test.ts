import { expect } from 'chai';
import type { CioClient } from '../../src/client/CioClient.js';
import { harness, type Harness } from '../support/harness.js';

type Call = (cio: CioClient) => Promise<{ status: string; error?: { code: string; message: string; field?: string } }>;

const cyclic: Record<string, unknown> = { a: 1 };
cyclic['self'] = cyclic;

/** One invalid call per rule of Customer.io's limits; each must be rejected before any request. */
const CASES: Array<[string, Call, RegExp]> = [
  ['empty person id', (c) => c.identify('', {}), /customerId/],
  ['person id over 150 bytes', (c) => c.identify('x'.repeat(151), {}), /150/],
  ['attribute name over 150 bytes', (c) => c.identify('u', { ['k'.repeat(151)]: 1 }), /150/],
  ['attribute value over 1000 bytes', (c) => c.identify('u', { bio: 'é'.repeat(501) }), /1000/],
  ['more than 300 attributes', (c) => c.identify('u', Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`a${i}`, i]))), /300/],
  ['missing event name', (c) => c.track('u', {} as never), /name/],
  ['event name over 100 bytes', (c) => c.track('u', { name: 'n'.repeat(101) }), /100/],
  ['event data over 100 000 bytes', (c) => c.track('u', { name: 'big', data: { blob: 'x'.repeat(100_001) } }), /100[ ,]?000/],
  ['event id that is not a ULID', (c) => c.track('u', { name: 'n', id: 'not-a-ulid' }), /ULID/i],
  ['cyclic data', (c) => c.track('u', { name: 'n', data: cyclic }), /cycl|circular/i],
  ['BigInt data', (c) => c.identify('u', { n: 10n }), /bigint/i],
  ['function data', (c) => c.identify('u', { f: () => 1 }), /function/i],
  ['NaN data', (c) => c.identify('u', { n: Number.NaN }), /NaN|finite/i],
  ['empty page path', (c) => c.trackPageView('u', ''), /path/],
  ['device without platform', (c) => c.addDevice('u', 'tok', ''), /platform/],
  ['merge with an unknown id type', (c) => c.mergeCustomers('phone' as never, '1', 'id', '2'), /id|email|cio_id/],
  ['email without identifiers', (c) => c.sendEmail({ to: 'a@example.com', transactional_message_id: '1' }), /identifiers/],
  ['broadcast without id', (c) => c.triggerBroadcast(''), /broadcast/i],
];

describe('client: input is checked against Customer.io limits before any request', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.cleanup());

  for (const [name, call, message] of CASES) {
    it(`rejects ${name}`, async () => {
      const cio = h.client();
      const r = await call(cio);
      expect(r.status).to.equal('rejected');
      expect(r.error?.code).to.equal('INVALID_INPUT');
      expect(r.error?.message).to.match(message);
      expect(h.emu.requests).to.have.length(0);
    });
  }

  it('never puts attribute values in the message', async () => {
    const cio = h.client();
    const r = await cio.identify('u', { password_hint: `hunter2-${'z'.repeat(2000)}` });
    expect(r.status).to.equal('rejected');
    expect(r.error?.message).to.not.include('hunter2');
  });
});
