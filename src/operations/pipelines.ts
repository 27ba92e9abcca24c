/**
 * The Data Pipelines operations (customerio-node's `PipelinesClient`): identify, track, page, screen,
 * group and alias, each one message with a `messageId` that plays the role of a Track event's id.
 * The client fills it with a ULID (unless the caller gave one), so a retried or replayed message
 * carries the id of the first try and Customer.io drops the repeat.
 */
import type { PipelinesClient } from 'customerio-node';
import { checkPipelinesMessage, type PipelinesKind } from '../validation/checkPipelines.js';
import { isRecord } from '../validation/isRecord.js';
import type { OperationSpec, SdkClients } from './spec.js';
import type { PipelinesOperationName } from './types.js';

type Obj = Record<string, unknown>;

/** Thrown when a Data Pipelines operation is called without a write key. */
export class MissingPipelinesKeyError extends Error {
  override readonly name = 'MissingPipelinesKeyError';
  constructor() {
    super('This operation needs a Data Pipelines write key (pipelines.writeKey or CUSTOMERIO_PIPELINES_WRITE_KEY)');
  }
}

/** The Pipelines client, or a {@link MissingPipelinesKeyError}. */
function requirePipelines(sdk: SdkClients): PipelinesClient {
  if (!sdk.pipelines) throw new MissingPipelinesKeyError();
  return sdk.pipelines;
}

const payloadOf = (args: readonly unknown[]): Obj => (isRecord(args[0]) ? args[0] : {});

/**
 * The person a message is about, for keeping order: its `userId`, else its `anonymousId` (`anon:`),
 * under `pipelines:` so it never waits behind the same person's Track API updates (another API).
 */
function pipelinesPerson(args: readonly unknown[]): string {
  const p = payloadOf(args);
  const user = p['userId'];
  if (user !== undefined && user !== null && user !== '') return `pipelines:${String(user)}`;
  const anon = p['anonymousId'];
  return anon === undefined || anon === null || anon === '' ? '' : `pipelines:anon:${String(anon)}`;
}

/** The message with the time it was made, unless it has one: a queued message keeps it, however late it is replayed. */
function stamped(payload: Obj, madeAt: number | undefined): Obj {
  return madeAt === undefined || payload['timestamp'] !== undefined ? payload : { ...payload, timestamp: new Date(madeAt).toISOString() };
}

function pipelinesOperation(kind: PipelinesKind): OperationSpec<PipelinesOperationName> {
  return {
    api: 'pipelines',
    // Customer.io drops a message whose messageId it has seen.
    repeatable: true,
    // Traits, groups and aliases are upserts: one person's keep their call order. Events need none.
    ordered: kind === 'identify' || kind === 'group' || kind === 'alias',
    personKey: pipelinesPerson,
    params: ['payload'],
    check: (op, a) => checkPipelinesMessage(op, a[0], kind),
    withEventId: (a, id) => {
      const payload = { ...payloadOf(a) };
      const given = typeof payload['messageId'] === 'string' && payload['messageId'] !== '' ? payload['messageId'] : undefined;
      payload['messageId'] = given ?? id;
      return { args: [payload], id: payload['messageId'] as string };
    },
    eventIdIn: (a) => payloadOf(a)['messageId'],
    batch: (a, madeAt) => ({ ...stamped(payloadOf(a), madeAt), type: kind }),
    stored: (a, madeAt) => [stamped(payloadOf(a), madeAt)],
    invoke: (sdk, a) => requirePipelines(sdk)[kind](a[0] as never),
  };
}

/** The Data Pipelines operations, keyed by their names in the operations table. */
export const PIPELINES_OPERATIONS: { readonly [K in PipelinesKind as `pipelines.${K}`]: OperationSpec<`pipelines.${K}`> } = {
  'pipelines.identify': pipelinesOperation('identify'),
  'pipelines.track': pipelinesOperation('track'),
  'pipelines.page': pipelinesOperation('page'),
  'pipelines.screen': pipelinesOperation('screen'),
  'pipelines.group': pipelinesOperation('group'),
  'pipelines.alias': pipelinesOperation('alias'),
};

/** The operation of a Pipelines message type. */
export const pipelinesOperationOf = (kind: PipelinesKind): PipelinesOperationName => `pipelines.${kind}`;
