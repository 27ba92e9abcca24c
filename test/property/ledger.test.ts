/** The ledger check itself, on made-up runs: it must flag every way the promise can break (so the property cannot pass vacuously). */
import { expect } from 'chai';
import type { CioResult, CioResultStatus } from '../../src/client/types.js';
import { CioError } from '../../src/errors/CioError.js';
import type { AcceptedOperation, DeliveredEvent } from '../../src/testing/index.js';
import type { OpKind } from './arbitraries.js';
import { checkLedger } from './ledger.js';
import type { Invocation, RunRecord, ScopedCall } from './runner.js';

let seq = 0;

function result(status: CioResultStatus, code?: string): CioResult {
  return {
    status,
    operation: 'x',
    idempotencyKey: '',
    attempts: 1,
    ...(code === undefined ? {} : { error: new CioError(code as never, code, false) }),
  };
}

function call(op: OpKind, marker: string, status: CioResultStatus | undefined, extra: Partial<Invocation> & { code?: string; w?: number } = {}): Invocation {
  const person = 'p0';
  const args: unknown[] =
    op === 'identify'
      ? [person, { m: marker, w: extra.w ?? 1 }]
      : op === 'trackPageView'
        ? [person, `/p/${marker}`]
        : op === 'sendEmail'
          ? [{ identifiers: { id: person }, message_data: { m: marker } }]
          : [person, { name: 'ev', data: { m: marker } }];
  const { code, w: _w, ...rest } = extra;
  const settled = status === undefined ? {} : { result: result(status, code), settledAt: 999 };
  return {
    seq: ++seq,
    op,
    args,
    marker,
    person,
    key: undefined,
    batch: false,
    via: 'direct',
    at: 0,
    ...settled,
    ...rest,
  };
}

const event = (marker: string, id: string): DeliveredEvent =>
  ({ seq: 0, requestSeq: 0, at: 0, source: 'v1', kind: 'event', name: 'ev', personId: 'p0', anonymousId: null, id, data: { m: marker }, timestamp: null }) as DeliveredEvent;

const operation = (name: string, payload: unknown): AcceptedOperation =>
  ({ seq: 0, requestSeq: 0, at: 0, source: name === 'sendEmail' ? 'app' : 'v1', operation: name, action: null, batchIndex: null, personId: 'p0', duplicate: false, payload }) as AcceptedOperation;

function run(parts: {
  invocations: Invocation[];
  events?: DeliveredEvent[];
  operations?: AcceptedOperation[];
  people?: Record<string, Record<string, unknown>>;
  scoped?: ScopedCall[];
  close?: RunRecord['close'];
}): RunRecord {
  return {
    schedule: { store: 'memory', rateLimit: false, steps: [] },
    invocations: parts.invocations,
    scoped: parts.scoped ?? [],
    close: parts.close ?? { delivered: 0, remaining: 0 },
    closeMs: 10,
    closedAt: 1_000,
    httpErrors: [],
    events: parts.events ?? [],
    operations: parts.operations ?? [],
    people: new Map(Object.entries(parts.people ?? {})),
    requestCount: 0,
    duplicates: 0,
    deadLetters: [],
    trace: [],
    durationMs: 10,
  };
}

describe('property: the ledger check', () => {
  it('passes a run that kept the promise', () => {
    const v = checkLedger(
      run({
        invocations: [
          call('track', 'd0', 'sent'),
          call('track', 'd0', 'queued'), // an identical call without a key: a second event
          call('track', 'd1', 'rejected', { code: 'INVALID_INPUT' }),
          call('sendEmail', 'd2', 'failed', { code: 'AMBIGUOUS' }),
          call('identify', 'd3', 'sent', { w: 1 }),
          call('identify', 'd4', 'sent', { w: 2 }),
          call('identify', 'd3', 'queued', { w: 1 }), // a:1, a:2, a:1 leaves a:1
          call('track', 'd5', 'sent', { key: 'k' }),
          call('track', 'd6', 'duplicate', { key: 'k' }),
        ],
        events: [event('d0', 'A'), event('d0', 'B'), event('d5', 'C')],
        operations: [operation('sendEmail', { message_data: { m: 'd2' } }), operation('identify', { m: 'd3', w: 1 }), operation('identify', { m: 'd4', w: 2 })],
        people: { p0: { m: 'd3', w: 1 } },
      }),
    );
    expect(v).to.deep.equal([]);
  });

  it('flags an accepted call that was lost, or delivered twice', () => {
    expect(checkLedger(run({ invocations: [call('track', 'd0', 'queued')] })).join()).to.match(/lost/);
    expect(checkLedger(run({ invocations: [call('track', 'd0', 'sent')], events: [event('d0', 'A'), event('d0', 'B')] })).join()).to.match(
      /delivered 2 time\(s\) for 1 accepted/,
    );
    expect(checkLedger(run({ invocations: [call('identify', 'd0', 'sent')], people: { p0: { m: 'd0', w: 1 } } })).join()).to.match(
      /never applied/,
    );
  });

  it('flags a refused or failed call that was delivered anyway; an ambiguous one at most once', () => {
    expect(checkLedger(run({ invocations: [call('track', 'd0', 'failed', { code: 'NETWORK' })], events: [event('d0', 'A')] }))).to.have.length(1);
    expect(checkLedger(run({ invocations: [call('track', 'd0', 'rejected', { code: 'INVALID_INPUT' })], events: [event('d0', 'A')] }))).to.have.length(1);
    const email = (n: number) => Array.from({ length: n }, () => operation('sendEmail', { message_data: { m: 'd0' } }));
    expect(checkLedger(run({ invocations: [call('sendEmail', 'd0', 'failed', { code: 'AMBIGUOUS' })], operations: email(1) }))).to.deep.equal([]);
    expect(checkLedger(run({ invocations: [call('sendEmail', 'd0', 'failed', { code: 'AMBIGUOUS' })], operations: email(2) }))).to.have.length(1);
  });

  it('flags a call without a key answered duplicate, or identical calls coalesced', () => {
    const v = checkLedger(run({ invocations: [call('track', 'd0', 'sent'), call('track', 'd0', 'duplicate')], events: [event('d0', 'A')] }));
    expect(v.join()).to.match(/without a key was de-duplicated/);
    const coalesced = checkLedger(run({ invocations: [call('track', 'd0', 'sent'), call('track', 'd0', 'sent')], events: [event('d0', 'A')] }));
    expect(coalesced.join()).to.match(/delivered 1 time\(s\) for 2 accepted/);
  });

  it('flags two accepted calls of one key, or two deliveries of one key', () => {
    const two = checkLedger(
      run({ invocations: [call('track', 'd0', 'sent', { key: 'k' }), call('track', 'd1', 'sent', { key: 'k' })], events: [event('d0', 'A'), event('d1', 'B')] }),
    );
    expect(two.join()).to.match(/2 calls accepted/);
    const extra = checkLedger(
      run({ invocations: [call('track', 'd0', 'sent', { key: 'k' }), call('track', 'd1', 'duplicate', { key: 'k' })], events: [event('d0', 'A'), event('d1', 'B')] }),
    );
    expect(extra.join()).to.match(/more than one/);
  });

  it('flags a person whose attributes are not those of their last accepted identify', () => {
    const v = checkLedger(
      run({
        invocations: [call('identify', 'd0', 'sent', { w: 1 }), call('identify', 'd1', 'queued', { w: 2 }), call('identify', 'd2', 'failed', { code: 'NETWORK', w: 3 })],
        operations: [operation('identify', { m: 'd0', w: 1 }), operation('identify', { m: 'd1', w: 2 })],
        people: { p0: { m: 'd0', w: 1 } },
      }),
    );
    expect(v.join()).to.match(/identify order for p0: expected m=d1 w=2/);
  });

  it('flags unsettled calls and a close that left work behind', () => {
    const v = checkLedger(
      run({
        invocations: [call('track', 'd0', undefined)],
        scoped: [{ op: 'track', marker: 's1', placeholder: result('queued') }],
        close: { delivered: 0, remaining: 2 },
      }),
    );
    expect(v.join('\n'))
      .to.match(/remaining > 0/)
      .and.match(/a call was unsettled when close\(\) resolved \(still pending/)
      .and.match(/delivered was unsettled when close\(\) resolved/);
    const lateCall = { ...call('track', 'd0', 'sent'), settledAt: 1_020 };
    expect(checkLedger(run({ invocations: [lateCall], events: [event('d0', 'A')] })).join()).to.match(/settled 20 ms after close\(\) resolved/);
  });

  it('flags an event without a ULID id', () => {
    const v = checkLedger(run({ invocations: [call('track', 'd0', 'sent')], events: [{ ...event('d0', 'A'), id: null }] }));
    expect(v.join()).to.match(/without a ULID id/);
  });
});
