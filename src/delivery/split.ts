import { specOf } from '../operations/table.js';
import type { QueueEntry } from '../queue/store.js';
import { BATCH_LIMITS, ENVELOPE_BYTES, batchItemBytes, hasBatchRoute, type BatchApi } from './batchFormat.js';

type Obj = Record<string, unknown>;

/** A batch request of taken entries, on its API's batch route. */
export interface Batch {
  api: BatchApi;
  entries: QueueEntry[];
  ops: Obj[];
  bytes: number;
}

/**
 * Splits a round's entries (of different people: no order to keep between them) into batch
 * requests of their API (Track v2's, each below 500 KB; Data Pipelines', each below 500 KB), and the
 * entries that go on their own route: an operation no batch can carry, a call Track v2 batches
 * cannot express (an email as the id), or one larger than a batch item may be (32 KB;
 * a v1 event may carry up to 100 KB of data).
 */
export function split(entries: readonly QueueEntry[]): { batches: Batch[]; alone: QueueEntry[] } {
  const batches: Batch[] = [];
  const alone: QueueEntry[] = [];
  const open = new Map<BatchApi, Batch>();
  for (const entry of entries) {
    const spec = specOf(entry.operation);
    const api = spec?.api;
    const op = spec?.batch && api !== undefined && hasBatchRoute(api) ? spec.batch(entry.args, entry.enqueuedAt) : undefined;
    if (op === undefined || api === undefined || !hasBatchRoute(api)) {
      alone.push(entry);
      continue;
    }
    const bytes = batchItemBytes(op, BATCH_LIMITS[api]);
    if (bytes === undefined) {
      alone.push(entry);
      continue;
    }
    let batch = open.get(api);
    if (batch === undefined || batch.bytes + bytes > BATCH_LIMITS[api].batchBytes) {
      batch = { api, entries: [], ops: [], bytes: ENVELOPE_BYTES };
      open.set(api, batch);
      batches.push(batch);
    }
    batch.entries.push(entry);
    batch.ops.push(op);
    batch.bytes += bytes;
  }
  return { batches, alone };
}
