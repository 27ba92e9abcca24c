/**
 * The batch requests Customer.io takes, by API: Track's `POST /api/v2/batch` (each operation at most
 * 32 KB, the body under 500 KB) and Data Pipelines' `POST /batch` (each message at most 32 KB, the
 * body at most 500 KB), both `{"batch":[...]}`.
 */
import { MissingPipelinesKeyError } from '../operations/pipelines.js';
import type { ApiName, SdkClients } from '../operations/spec.js';
import { CIO_LIMITS, utf8Bytes } from '../validation/limits.js';

type Obj = Record<string, unknown>;

/** The APIs with a batch route. */
export type BatchApi = Extract<ApiName, 'track' | 'pipelines'>;

/** The size limits of one API's batch requests. */
export interface BatchLimits {
  /** Most bytes of a batch body this client sends (room kept below Customer.io's limit for the envelope and rounding). */
  readonly batchBytes: number;
  /** Most bytes of one item. */
  readonly itemBytes: number;
}

export const BATCH_LIMITS: Readonly<Record<BatchApi, BatchLimits>> = Object.freeze({
  track: { batchBytes: CIO_LIMITS.v2BatchBytes - 4 * 1024, itemBytes: CIO_LIMITS.v2OperationBytes },
  pipelines: { batchBytes: CIO_LIMITS.pipelinesBatchBytes - 4 * 1024, itemBytes: CIO_LIMITS.pipelinesMessageBytes },
});

/** Whether `api` has a batch route. */
export const hasBatchRoute = (api: ApiName): api is BatchApi => api === 'track' || api === 'pipelines';

/** Bytes of the batch envelope `{"batch":[...]}` around the items. */
export const ENVELOPE_BYTES = 16;

/** Bytes one item adds to a batch body, or `undefined` if it is over what one item may be. */
export function batchItemBytes(item: Obj, limits: BatchLimits): number | undefined {
  const bytes = utf8Bytes(JSON.stringify(item)) + 1;
  return bytes <= limits.itemBytes ? bytes : undefined;
}

/** Sends one batch request of `api` (its SDK client's `batch`). May throw synchronously (no Pipelines write key). */
export function sendBatch(sdk: SdkClients, api: BatchApi, items: Obj[]): Promise<unknown> {
  if (api === 'track') return sdk.track.batch(items as never);
  if (!sdk.pipelines) throw new MissingPipelinesKeyError();
  return sdk.pipelines.batch(items as never);
}
