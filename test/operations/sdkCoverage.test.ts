import { expect } from 'chai';
import * as sdk from 'customerio-node';
import { APIClient, PipelinesClient, TrackClient } from 'customerio-node';
import { OperationMethods, PipelinesMethods } from '../../src/operations/methods.js';
import { isAppRead } from '../../src/operations/reads.js';

/** The public methods a class's prototype defines (its own, not Object's). */
const methodsOf = (cls: { prototype: object }): string[] =>
  Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor' && typeof Reflect.get(cls.prototype, n) === 'function');

/** The methods offered by the client and the request scope (written once, in OperationMethods). */
const wrapped = new Set(methodsOf(OperationMethods));
const wrappedPipelines = new Set(methodsOf(PipelinesMethods));

/** TrackClient's reads: everything else it has writes. */
const TRACK_READS = new Set(['getAccountRegion']);
/** PipelinesClient internals. */
const PIPELINES_INTERNAL = new Set(['envelope']);

describe('operations: every write of customerio-node has a wrapper', () => {
  it('wraps every TrackClient write under the same name', () => {
    const writes = methodsOf(TrackClient).filter((n) => !TRACK_READS.has(n));
    expect(writes.length).to.be.greaterThan(15); // the SDK was read, not an empty prototype
    expect(writes.filter((n) => !wrapped.has(n)), 'TrackClient writes with no wrapper').to.deep.equal([]);
  });

  it('wraps every App API send (each method with a Send…Request class of the SDK) and triggerBroadcast', () => {
    const sends = methodsOf(APIClient).filter((n) => (/^send[A-Z]/.test(n) && `S${n.slice(1)}Request` in sdk) || /^trigger[A-Z]/.test(n));
    expect(sends).to.include.members(['sendEmail', 'sendPush', 'sendSMS', 'sendWhatsApp', 'sendInboxMessage', 'sendInApp', 'triggerBroadcast']);
    expect(sends.filter((n) => !wrapped.has(n)), 'App API sends with no wrapper').to.deep.equal([]);
  });

  it('wraps every PipelinesClient write under client.pipelines', () => {
    const writes = methodsOf(PipelinesClient).filter((n) => !PIPELINES_INTERNAL.has(n));
    expect(writes).to.include.members(['identify', 'track', 'page', 'screen', 'group', 'alias', 'batch']);
    expect(writes.filter((n) => !wrappedPipelines.has(n)), 'PipelinesClient methods with no wrapper').to.deep.equal([]);
  });

  it('runs every App API read through read(), and knows every other APIClient method as a management call', () => {
    const all = methodsOf(APIClient);
    const reads = all.filter(isAppRead);
    expect(reads).to.include.members(['getCustomersByEmail', 'listSegments', 'searchCustomers', 'listExports', 'getExport', 'downloadExport', 'findObjects']);
    // Management calls (create/update/delete/schedule …) change workspace content: run them with
    // client.run(). A method of a kind not listed here is new: decide where it belongs.
    const management = /^(create|update|delete|schedule|batchUpdate|sendNewsletter$|resourceBase$)/;
    const unplaced = all.filter((n) => !wrapped.has(n) && !isAppRead(n) && !management.test(n));
    expect(unplaced, 'APIClient methods neither wrapped, read nor known as management').to.deep.equal([]);
    expect(isAppRead('sendEmail')).to.equal(false);
    expect(isAppRead('getNothingThatExists')).to.equal(false);
  });
});
