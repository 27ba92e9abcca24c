import { specOf } from '../operations/table.js';
import type { QueueEntry } from '../queue/store.js';
import { BATCH_BYTES, ENVELOPE_BYTES, batchOpBytes } from './batchFormat.js';

type Obj = Record<string, unknown>;

/** A Track v2 batch request of taken entries. */
export interface Batch {
  entries: QueueEntry[];
  ops: Obj[];
  bytes: number;
}

/**
 * Splits a round's entries (of different people: no order to keep between them) into v2 batch
 * requests, each below 500 KB, and the entries that go on their own route: an operation Track v2
 * batches cannot carry, a call they cannot express (an email as the id), or one larger than a v2
 * operation may be (32 KB; a v1 event may carry up to 100 KB of data).
 */
export function split(entries: readonly QueueEntry[]): { batches: Batch[]; alone: QueueEntry[] } {
  const batches: Batch[] = [];
  const alone: QueueEntry[] = [];
  let open: Batch | undefined;
  for (const entry of entries) {
    const op = specOf(entry.operation)?.batch?.(entry.args, entry.enqueuedAt);
    const bytes = op === undefined ? undefined : batchOpBytes(op);
    if (op === undefined || bytes === undefined) {
      alone.push(entry);
      continue;
    }
    if (open === undefined || open.bytes + bytes > BATCH_BYTES) {
      open = { entries: [], ops: [], bytes: ENVELOPE_BYTES };
      batches.push(open);
    }
    open.entries.push(entry);
    open.ops.push(op);
    open.bytes += bytes;
  }
  return { batches, alone };
}
