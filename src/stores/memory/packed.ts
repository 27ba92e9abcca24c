/**
 * The text fields of a queued entry packed into one flat string (one string header instead of
 * an object graph, and the same JSON round trip for the arguments as the durable stores):
 *
 *     <flags><length>:<operation><length>:<key>[<length>:<eventId>][<length>:<lastError>]<args as JSON>
 *
 * `flags` is one character, `'0'` plus the bits below. Lengths are decimal and count UTF-16 units,
 * so any text (colons, digits, newlines) is stored as is. The arguments come last and run to the end.
 */
import { specOf } from '../../operations/table.js';
export interface PackedFields {
  operation: string;
  args: unknown[];
  idempotencyKey: string;
  eventId?: string;
  lastError?: string;
}

/** The key is `<operation>:<stored key>` (a derived key), and only the part after the colon is stored. */
const KEY_AFTER_OPERATION = 1;
/** The event id is the one the arguments hold (see {@link eventIdInArgs}), so it is not stored twice. */
const EVENT_ID_IN_ARGS = 2;
/** An event id field follows the key. */
const EVENT_ID = 4;
/** A last error field follows. */
const LAST_ERROR = 8;

const FLAGS_BASE = 48; // '0'

/** Where an event operation's arguments already hold its event id (see `OperationSpec.eventIdIn`). */
function eventIdInArgs(operation: string, args: readonly unknown[]): unknown {
  return specOf(operation)?.eventIdIn?.(args);
}

/** Packs the fields around `argsJson` (the arguments already as JSON). */
function packWith(operation: string, idempotencyKey: string, eventId: string | undefined, eventIdFromArgs: boolean, lastError: string | undefined, argsJson: string): string {
  let flags = 0;
  let key = idempotencyKey;
  if (key.length > operation.length && key.charCodeAt(operation.length) === 58 /* ':' */ && key.startsWith(operation)) {
    flags |= KEY_AFTER_OPERATION;
    key = key.slice(operation.length + 1);
  }
  const parts = ['', `${operation.length}:`, operation, `${key.length}:`, key];
  if (eventId !== undefined) {
    if (eventIdFromArgs) flags |= EVENT_ID_IN_ARGS;
    else {
      flags |= EVENT_ID;
      parts.push(`${eventId.length}:`, eventId);
    }
  }
  if (lastError !== undefined) {
    flags |= LAST_ERROR;
    parts.push(`${lastError.length}:`, lastError);
  }
  parts[0] = String.fromCharCode(FLAGS_BASE + flags);
  parts.push(argsJson);
  // `join` builds one flat string; `+` would leave a tree of pieces (a V8 cons string), larger in memory.
  return parts.join('');
}

/** The packed text of an entry's text fields. */
export function pack(entry: PackedFields): string {
  const { operation, args, eventId } = entry;
  const fromArgs = eventId !== undefined && eventIdInArgs(operation, args) === eventId;
  return packWith(operation, entry.idempotencyKey, eventId, fromArgs, entry.lastError, JSON.stringify(args));
}

/** The fields before the arguments, and where the arguments' JSON starts. */
interface Head {
  flags: number;
  operation: string;
  idempotencyKey: string;
  eventId: string | undefined;
  lastError: string | undefined;
  argsAt: number;
}

/** Where the field read last by {@link readField} ends. */
let fieldEnd = 0;

/** The `<length>:<text>` field at `at` (its end is left in `fieldEnd`). */
function readField(text: string, at: number): string {
  let length = 0;
  let i = at;
  for (let code = text.charCodeAt(i); code !== 58 /* ':' */; code = text.charCodeAt(++i)) length = length * 10 + (code - 48);
  fieldEnd = i + 1 + length;
  return text.slice(i + 1, fieldEnd);
}

function readHead(text: string): Head {
  const flags = text.charCodeAt(0) - FLAGS_BASE;
  const operation = readField(text, 1);
  const key = readField(text, fieldEnd);
  const eventId = (flags & EVENT_ID) !== 0 ? readField(text, fieldEnd) : undefined;
  const lastError = (flags & LAST_ERROR) !== 0 ? readField(text, fieldEnd) : undefined;
  const idempotencyKey = (flags & KEY_AFTER_OPERATION) !== 0 ? `${operation}:${key}` : key;
  return { flags, operation, idempotencyKey, eventId, lastError, argsAt: fieldEnd };
}

/** The fields packed in `text`, with new argument objects. */
export function unpack(text: string): PackedFields {
  const head = readHead(text);
  const args = JSON.parse(text.slice(head.argsAt)) as unknown[];
  const fields: PackedFields = { operation: head.operation, args, idempotencyKey: head.idempotencyKey };
  if ((head.flags & EVENT_ID_IN_ARGS) !== 0) fields.eventId = eventIdInArgs(head.operation, args) as string;
  else if (head.eventId !== undefined) fields.eventId = head.eventId;
  if (head.lastError !== undefined) fields.lastError = head.lastError;
  return fields;
}

/** `text` with its last error replaced (the arguments' JSON is kept as it is, not parsed). */
export function withLastError(text: string, lastError: string): string {
  const head = readHead(text);
  const fromArgs = (head.flags & EVENT_ID_IN_ARGS) !== 0;
  // With EVENT_ID_IN_ARGS the event id is not needed to repack, only the flag: pass a placeholder.
  const eventId = fromArgs ? '' : head.eventId;
  return packWith(head.operation, head.idempotencyKey, eventId, fromArgs, lastError, text.slice(head.argsAt));
}
