/**
 * `entity(operation)`: one Track v2 operation, sent as it is on `POST /api/v2/entity`, or as one item
 * of a v2 batch (live with `batch: true`, or in a replay): a v2 operation is its own batch form.
 */
import { isV2Event, takesV2Timestamp } from '../validation/checkV2Operation.js';
import { isRecord, jsonProperty } from '../validation/isRecord.js';

type Obj = Record<string, unknown>;

/** Unix seconds of `ms`. */
const seconds = (ms: number): number => Math.floor(ms / 1000);

const given = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * The order key of a v2 operation: its person as the v1 routes spell them (the id, the email,
 * `cio_<cio_id>`, `anon:<anonymous_id>`), so it keeps its place among that person's v1 calls; or
 * `object:<object_type_id>:<object_id>` (`object:cio_object_id:<id>`) for an object.
 */
export function entityKey(args: readonly unknown[]): string {
  const op = args[0];
  if (!isRecord(op)) return '';
  const ids = jsonProperty(op, 'identifiers');
  if (!isRecord(ids)) return '';
  if (jsonProperty(op, 'type') === 'object') {
    const [typeId, objectId, cio] = [jsonProperty(ids, 'object_type_id'), jsonProperty(ids, 'object_id'), jsonProperty(ids, 'cio_object_id')];
    if (given(typeId) && given(objectId)) return `object:${String(typeId)}:${String(objectId)}`;
    return given(cio) ? `object:cio_object_id:${String(cio)}` : '';
  }
  const [id, email, cioId, anonymousId] = [jsonProperty(ids, 'id'), jsonProperty(ids, 'email'), jsonProperty(ids, 'cio_id'), jsonProperty(ids, 'anonymous_id')];
  if (given(id)) return String(id);
  if (given(email)) return String(email);
  if (given(cioId)) return `cio_${String(cioId)}`;
  return given(anonymousId) ? `anon:${String(anonymousId)}` : '';
}

/**
 * An event (`event`, `page`, `screen`) carries a ULID `id`, the caller's or `id`, so Customer.io drops
 * a repeat of it: that is what makes every `entity` call repeatable. Any other operation is sent as
 * it is, with no event id (`''`).
 */
export function entityWithEventId(args: readonly unknown[], id: string): { args: unknown[]; id: string } {
  const op = args[0];
  if (!isRecord(op) || !isV2Event(op)) return { args: [...args], id: '' };
  const own = jsonProperty(op, 'id');
  const eventId = typeof own === 'string' && own !== '' ? own : id;
  return { args: [{ ...op, id: eventId }, ...args.slice(1)], id: eventId };
}

/** The event id a (stored) v2 operation carries, if it is an event. */
export function entityEventId(args: readonly unknown[]): unknown {
  const op = args[0];
  return isRecord(op) && isV2Event(op) ? jsonProperty(op, 'id') : undefined;
}

/**
 * As a queue keeps it: the operation, with a `timestamp` of the time the app made the call when it
 * takes one and has none (an event, a person's identify), so a late replay neither dates the event
 * at its replay nor overwrites newer attributes.
 */
export function storedEntity(args: readonly unknown[], madeAt: number): unknown[] {
  const op = args[0];
  if (!isRecord(op) || !takesV2Timestamp(op) || jsonProperty(op, 'timestamp') !== undefined) return [op];
  return [{ ...op, timestamp: seconds(madeAt) }];
}

/**
 * Its v2 batch form: the operation itself. (One over 32 KB, which validation refuses anyway, would
 * go alone: the batcher and the replayer send no item over that size in a batch.)
 */
export function entityBatchForm(args: readonly unknown[]): Obj | undefined {
  const op = args[0];
  return isRecord(op) ? op : undefined;
}
