import { EventEmitter } from 'node:events';
import type {
  AcceptedOperation,
  CioEmulatorEvents,
  DeliveredEvent,
  DeliveryRecord,
  DeviceRecord,
  ObjectRecord,
  RecordedRequest,
} from './types.js';
import { PipelinesState } from './pipelinesState.js';
import { Waiters } from './waiters.js';

/** A recorded request whose answer may still be pending (the emulator fills `status` in later). */
export type MutableRecordedRequest = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

/** An operation to record, without the fields the state assigns. */
export type OperationInput = Omit<AcceptedOperation, 'seq' | 'at'>;

/** An event to deliver, without the fields the state assigns. */
export type EventInput = Omit<DeliveredEvent, 'seq' | 'at'>;

/** A stored object, as the state changes it. */
type MutableObjectRecord = Omit<ObjectRecord, 'attributes' | 'relationships'> & {
  attributes: Record<string, unknown>;
  readonly relationships: Map<string, Readonly<Record<string, unknown>>>;
};

/** A delivery, as the state changes it (metrics are appended). */
type MutableDeliveryRecord = Omit<DeliveryRecord, 'metrics'> & { readonly metrics: string[] };

/** Key of an object in {@link EmulatorState.objects}: `<object_type_id>:<object_id>`. */
export function objectKey(typeId: string, objectId: string): string {
  return `${typeId}:${objectId}`;
}

/**
 * Everything the emulator remembers: the request log, delivered events, accepted operations, and a
 * small model of Customer.io's people (attributes with per-attribute last-write-wins), devices and
 * suppressions. Emits {@link CioEmulatorEvents} on its `emitter`.
 */
export class EmulatorState {
  /** Notifications for `on` / `off`. */
  readonly emitter = new EventEmitter();
  /** Pending `waitFor*` calls. */
  readonly waiters = new Waiters();
  /** Request log, arrival order. */
  readonly requests: MutableRecordedRequest[] = [];
  /** Delivered events. */
  readonly events: DeliveredEvent[] = [];
  /** Accepted operations. */
  readonly operations: AcceptedOperation[] = [];
  /** Person attributes by person key. */
  readonly people = new Map<string, Record<string, unknown>>();
  /** Suppressed person keys. */
  readonly suppressed = new Set<string>();
  /** Devices by person key, then token. */
  readonly devices = new Map<string, Map<string, DeviceRecord>>();
  /** Manual segment members (person keys) by segment id. */
  readonly segments = new Map<string, Set<string>>();
  /** Objects by {@link objectKey}. */
  readonly objects = new Map<string, MutableObjectRecord>();
  /** Transactional deliveries by delivery id. */
  readonly deliveries = new Map<string, MutableDeliveryRecord>();
  /** Events ignored as ULID duplicates. */
  duplicates = 0;
  /** The Data Pipelines API's messages, rejections and profiles. */
  readonly pipelines: PipelinesState;

  readonly #now: () => number;
  readonly #seenEventIds = new Set<string>();
  /** Per person, per attribute: the timestamp (seconds) of the write that set it. */
  readonly #attributeTimes = new Map<string, Map<string, number>>();
  /** Per delivery, per metric: when (seconds) it was first reported. */
  readonly #metricTimes = new Map<string, Map<string, number>>();
  #nextRequestSeq = 1;

  constructor(now: () => number) {
    this.#now = now;
    this.emitter.setMaxListeners(0);
    this.pipelines = new PipelinesState(now, (message) => this.#emit('pipelinesMessage', message));
  }

  /** Allocate the next request number. */
  nextRequestSeq(): number {
    return this.#nextRequestSeq++;
  }

  /** Append a request to the log and notify. */
  addRequest(record: MutableRecordedRequest): void {
    this.requests.push(record);
    this.#emit('request', record);
  }

  /** Record an accepted operation and notify. */
  addOperation(input: OperationInput): AcceptedOperation {
    const op: AcceptedOperation = Object.freeze({ ...input, seq: this.operations.length + 1, at: this.#now() });
    this.operations.push(op);
    this.#emit('operation', op);
    return op;
  }

  /**
   * Deliver an event unless its ULID `id` was seen before.
   * @returns `false` when the event was a duplicate (and only counted).
   */
  deliverEvent(input: EventInput): boolean {
    if (input.id !== null) {
      const key = input.id.toUpperCase();
      if (this.#seenEventIds.has(key)) {
        this.duplicates++;
        return false;
      }
      this.#seenEventIds.add(key);
    }
    const event: DeliveredEvent = Object.freeze({
      ...input,
      id: input.id === null ? null : input.id.toUpperCase(),
      seq: this.events.length + 1,
      at: this.#now(),
    });
    this.events.push(event);
    this.#emit('event', event);
    return true;
  }

  /** Whether an event id has been seen (so the event would be a duplicate). */
  isDuplicateEventId(id: string | null): boolean {
    return id !== null && this.#seenEventIds.has(id.toUpperCase());
  }

  /**
   * Merge attributes into a person. Each attribute is written only when `timestamp` (seconds; the
   * arrival time in whole seconds when `null`, as Customer.io keeps times) is not older than the
   * write that last set it: within one second the later write wins. Suppressed people are not stored.
   */
  identify(person: string, attributes: Record<string, unknown>, timestamp: number | null): void {
    if (this.suppressed.has(person)) return;
    const at = timestamp ?? Math.floor(this.#now() / 1000);
    const current = this.people.get(person) ?? {};
    const times = this.#attributeTimes.get(person) ?? new Map<string, number>();
    for (const [name, value] of Object.entries(attributes)) {
      const previous = times.get(name);
      if (previous !== undefined && previous > at) continue;
      current[name] = value;
      times.set(name, at);
    }
    this.people.set(person, current);
    this.#attributeTimes.set(person, times);
  }

  /** When (unix seconds) each attribute of a person was last written; `undefined` for an unknown person. */
  attributeTimes(person: string): ReadonlyMap<string, number> | undefined {
    return this.#attributeTimes.get(person);
  }

  /** Delete a person, their attribute times, devices, segment memberships and object relationships. */
  destroy(person: string): void {
    this.people.delete(person);
    this.#attributeTimes.delete(person);
    this.devices.delete(person);
    for (const members of this.segments.values()) members.delete(person);
    for (const object of this.objects.values()) object.relationships.delete(person);
  }

  /** Suppress (and delete) a person. */
  suppress(person: string): void {
    this.destroy(person);
    this.suppressed.add(person);
  }

  /** Lift a suppression. */
  unsuppress(person: string): void {
    this.suppressed.delete(person);
  }

  /** Add or replace a device of a person. */
  addDevice(person: string, device: DeviceRecord): void {
    const devices = this.devices.get(person) ?? new Map<string, DeviceRecord>();
    devices.set(device.token, Object.freeze(device));
    this.devices.set(person, devices);
  }

  /** Remove a device of a person. */
  deleteDevice(person: string, token: string): void {
    const devices = this.devices.get(person);
    if (!devices) return;
    devices.delete(token);
    if (devices.size === 0) this.devices.delete(person);
  }

  /** Merge `secondary` into `primary` (the primary's values win), then delete `secondary`. */
  merge(primary: string, secondary: string): void {
    if (primary === secondary) return;
    const from = this.people.get(secondary);
    if (from) {
      const into = this.people.get(primary) ?? {};
      this.people.set(primary, { ...from, ...into });
    }
    const fromDevices = this.devices.get(secondary);
    for (const device of fromDevices?.values() ?? []) this.addDevice(primary, device);
    for (const members of this.segments.values()) if (members.has(secondary)) members.add(primary);
    for (const object of this.objects.values()) {
      const attrs = object.relationships.get(secondary);
      if (attrs !== undefined && !object.relationships.has(primary)) object.relationships.set(primary, attrs);
    }
    this.destroy(secondary);
  }

  /** Add people to a manual segment (Customer.io's segment must exist; the emulator's appears on first use). */
  addToSegment(segment: string, people: readonly string[]): void {
    const members = this.segments.get(segment) ?? new Set<string>();
    for (const person of people) members.add(person);
    this.segments.set(segment, members);
  }

  /** Remove people from a manual segment. The segment stays, possibly empty. */
  removeFromSegment(segment: string, people: readonly string[]): void {
    const members = this.segments.get(segment) ?? new Set<string>();
    for (const person of people) members.delete(person);
    this.segments.set(segment, members);
  }

  /** The object, created (without attributes or relationships) when new. */
  #object(typeId: string, objectId: string): MutableObjectRecord {
    const key = objectKey(typeId, objectId);
    let object = this.objects.get(key);
    if (object === undefined) {
      object = { typeId, objectId, attributes: {}, relationships: new Map() };
      this.objects.set(key, object);
    }
    return object;
  }

  /** Create or update an object: attributes merge, and `null` or `''` removes one (as Customer.io documents). */
  identifyObject(typeId: string, objectId: string, attributes: Record<string, unknown>): void {
    const object = this.#object(typeId, objectId);
    const next = { ...object.attributes };
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === '') delete next[name];
      else next[name] = value;
    }
    object.attributes = next;
  }

  /** Delete an object and its relationships. */
  deleteObject(typeId: string, objectId: string): void {
    this.objects.delete(objectKey(typeId, objectId));
  }

  /** Relate a person to an object (creating the object when new); replaces the relationship's attributes. */
  relate(typeId: string, objectId: string, person: string, attributes: Record<string, unknown>): void {
    this.#object(typeId, objectId).relationships.set(person, Object.freeze({ ...attributes }));
  }

  /** Remove a person's relationship to an object. */
  unrelate(typeId: string, objectId: string, person: string): void {
    this.objects.get(objectKey(typeId, objectId))?.relationships.delete(person);
  }

  /** Remember a delivery a transactional send answered with. */
  addDelivery(delivery: Omit<DeliveryRecord, 'metrics'>): void {
    this.deliveries.set(delivery.id, { ...delivery, metrics: [] });
  }

  /** Append a reported metric to a known delivery; `undefined` when the id is not one the emulator issued. */
  addMetric(deliveryId: string, metric: string): DeliveryRecord | undefined {
    const delivery = this.deliveries.get(deliveryId);
    if (delivery !== undefined) {
      delivery.metrics.push(metric);
      const times = this.#metricTimes.get(deliveryId) ?? new Map<string, number>();
      if (!times.has(metric)) times.set(metric, Math.floor(this.#now() / 1000));
      this.#metricTimes.set(deliveryId, times);
    }
    return delivery;
  }

  /** When (unix seconds) each metric of a delivery was first reported; empty when none was. */
  metricTimes(deliveryId: string): ReadonlyMap<string, number> {
    return this.#metricTimes.get(deliveryId) ?? new Map();
  }

  /** Forget everything (the request counter restarts at 1). */
  reset(): void {
    this.requests.length = 0;
    this.events.length = 0;
    this.operations.length = 0;
    this.people.clear();
    this.suppressed.clear();
    this.devices.clear();
    this.segments.clear();
    this.objects.clear();
    this.deliveries.clear();
    this.duplicates = 0;
    this.#seenEventIds.clear();
    this.#attributeTimes.clear();
    this.#metricTimes.clear();
    this.pipelines.reset();
    this.#nextRequestSeq = 1;
  }

  #emit<K extends keyof CioEmulatorEvents>(name: K, payload: CioEmulatorEvents[K]): void {
    try {
      this.emitter.emit(name, payload);
    } catch (error) {
      // A throwing listener must not break the request being served.
      process.emitWarning(`CIO emulator: a '${name}' listener threw: ${String(error)}`);
    }
    this.waiters.check();
  }
}
