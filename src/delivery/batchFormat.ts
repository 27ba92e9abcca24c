/**
 * The Track v2 batch request as Customer.io takes it: `POST /api/v2/batch` with `{"batch":[...]}`,
 * each operation at most 32 KB, the body under 500 KB.
 */
import { CIO_LIMITS, utf8Bytes } from '../validation/limits.js';

type Obj = Record<string, unknown>;

/** Room kept below Customer.io's 500 KB batch limit for the envelope and rounding. */
export const BATCH_BYTES = CIO_LIMITS.v2BatchBytes - 4 * 1024;

/** Bytes of the batch envelope `{"batch":[...]}` around the operations. */
export const ENVELOPE_BYTES = 16;

/** Bytes one operation adds to a batch body, or `undefined` if it is over the 32 KB a v2 operation may have. */
export function batchOpBytes(op: Obj): number | undefined {
  const bytes = utf8Bytes(JSON.stringify(op)) + 1;
  return bytes <= CIO_LIMITS.v2OperationBytes ? bytes : undefined;
}
