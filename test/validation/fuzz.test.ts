import { expect } from 'chai';
import { SendEmailRequest, SendPushRequest } from 'customerio-node';
import { OPERATIONS } from '../../src/operations/table.js';
import { validateCall } from '../../src/operations/validateCall.js';
import type { OperationName } from '../../src/client/types.js';
import { CioValidationError } from '../../src/errors/CioError.js';
import { deriveIdempotencyKey, stableStringify } from '../../src/idempotency/keys.js';
import { childPath } from '../../src/validation/fieldPath.js';
import { HOSTILE_VALUES, THROWN, VALUE } from '../support/hostileValues.js';

/**
 * A seeded fuzz of validateCall: random calls of every operation, each a valid call with one random
 * change (a hostile value, a lone surrogate in an identifier, or an ordinary value somewhere). Run
 * another seed with FUZZ_SEED=n; a failure names its seed and case so it can be replayed.
 */

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed_c10);
const CASES = Number(process.env['FUZZ_CASES'] ?? 10_000);
const ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

/** mulberry32: small, fast, good enough to spread cases. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;

function text(rng: Rng): string {
  const parts = ['a', 'Z', ' ', '9', 'é', '€', '😀', '"', '\\', '\n', '\u0000', '/', '?', '%', VALUE, '\ud800', '\udfff'];
  let s = VALUE;
  for (let i = int(rng, 6); i > 0; i--) s += pick(rng, parts);
  return s;
}

/** A string without lone surrogates, for identifiers. */
function idText(rng: Rng): string {
  return `${VALUE}-${int(rng, 1e6)}${rng() < 0.3 ? '😀' : ''}${rng() < 0.2 ? '/?%' : ''}`;
}

/** Ordinary JSON data: what a valid call carries. */
function plainValue(rng: Rng, depth = 0): unknown {
  const kind = int(rng, depth > 2 ? 5 : 7);
  switch (kind) {
    case 0:
      return text(rng);
    case 1:
      return rng() * 1e6 - 5e5;
    case 2:
      return rng() < 0.5;
    case 3:
      return null;
    case 4:
      return rng() < 0.5 ? undefined : new Date(int(rng, 2e12));
    case 5:
      return Array.from({ length: int(rng, 4) }, () => plainValue(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(rng, 4) }, (_, i) => [`k${i}`, plainValue(rng, depth + 1)]));
  }
}

function attributes(rng: Rng): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: int(rng, 5) }, (_, i) => [`attr_${i}`, rng() < 0.8 ? text(rng) : int(rng, 1000)]));
}

function eventData(rng: Rng): Record<string, unknown> {
  return { name: `event_${int(rng, 100)}`, data: { items: [plainValue(rng)], nested: { v: plainValue(rng) } }, ...(rng() < 0.3 ? { id: ULID } : {}) };
}

/** A valid call of `operation`, or arbitrary arguments for an operation this test does not know. */
function validArgs(rng: Rng, operation: OperationName): unknown[] {
  const id = (): string | number => (rng() < 0.8 ? idText(rng) : int(rng, 1e6));
  switch (operation as string) {
    case 'identify':
      return [id(), attributes(rng)];
    case 'track':
      return [id(), eventData(rng)];
    case 'trackAnonymous':
      return [rng() < 0.2 ? '' : id(), eventData(rng)];
    case 'trackPageView':
      return [id(), `/${VALUE}/${int(rng, 1000)}`];
    case 'destroy':
    case 'suppress':
    case 'unsuppress':
      return [id()];
    case 'addDevice':
      return [id(), `tok-${VALUE}`, pick(rng, ['ios', 'android']), { last_used: 1_700_000_000, app_version: text(rng) }];
    case 'deleteDevice':
      return [id(), `tok-${VALUE}`];
    case 'mergeCustomers':
      return ['id', id(), 'email', `${VALUE}@example.com`];
    case 'sendEmail': {
      const options = { to: `${VALUE}@example.com`, identifiers: { id: idText(rng) }, transactional_message_id: int(rng, 50) + 1, message_data: { v: plainValue(rng) } };
      return [rng() < 0.5 ? new SendEmailRequest(options) : options];
    }
    case 'sendPush': {
      const options = { identifiers: { id: idText(rng) }, transactional_message_id: int(rng, 50) + 1, custom_data: { v: plainValue(rng) } };
      return [rng() < 0.5 ? new SendPushRequest(options as never) : options];
    }
    case 'triggerBroadcast':
      return [int(rng, 100) + 1, { headline: text(rng) }, { emails: [`${VALUE}@example.com`] }];
    case 'trackPush':
      return [{ delivery_id: idText(rng), event: pick(rng, ['opened', 'converted', 'delivered']), ...(rng() < 0.5 ? { device_id: `tok-${VALUE}`, timestamp: 1_700_000_000 + int(rng, 1e6) } : {}) }];
    case 'reportMetric':
      return [{ delivery_id: idText(rng), metric: pick(rng, ['bounced', 'clicked', 'opened', 'spammed']), ...(rng() < 0.5 ? { href: `https://example.com/${VALUE}`, recipient: id() } : {}) }];
    case 'submitForm':
      return [id(), rng() < 0.5 ? { email: `${VALUE}@example.com`, first_name: text(rng) } : { id: id(), plan: text(rng) }];
    case 'unsubscribe':
      return [id(), pick(rng, [undefined, true, false])];
    case 'addCustomersToSegment':
    case 'removeCustomersFromSegment':
      return [int(rng, 100) + 1, Array.from({ length: int(rng, 4) + 1 }, id), pick(rng, [undefined, 'id', 'email', 'cio_id'])];
    case 'entity': {
      const person = { type: 'person', identifiers: { id: idText(rng) } };
      return [
        pick(rng, [
          { ...person, action: 'identify', attributes: attributes(rng) },
          { ...person, action: 'event', name: `event_${int(rng, 100)}`, attributes: { items: [plainValue(rng)] }, ...(rng() < 0.3 ? { id: ULID } : {}) },
          { ...person, action: 'add_device', device: { token: `tok-${VALUE}`, platform: 'ios', attributes: attributes(rng) } },
          { type: 'object', identifiers: { object_type_id: '1', object_id: idText(rng) }, action: 'identify', attributes: attributes(rng), cio_relationships: [{ identifiers: { email: `${VALUE}@example.com` } }] },
        ]),
      ];
    }
    default:
      return Array.from({ length: OPERATIONS[operation].params.length }, () => plainValue(rng));
  }
}

/** Where a value can go: a container in the arguments, a key of it, and the field path that names it. */
interface Slot {
  container: Record<string | number, unknown>;
  key: string | number;
  path: string;
}

/** Every slot of the (still plain) arguments, down from each parameter; `slots[i]` for i < params are the parameters. */
function slotsOf(args: unknown[], params: readonly string[]): Slot[] {
  const slots: Slot[] = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value !== 'object' || value === null || value instanceof Date) return;
    const container = value as Record<string | number, unknown>;
    const keys: Array<string | number> = Array.isArray(value) ? [...value.keys(), value.length] : [...Object.keys(value), 'added'];
    for (const key of keys) {
      const childKey = Array.isArray(value) ? key : String(key);
      const child = childPath(path, childKey);
      slots.push({ container, key: childKey, path: child });
      visit(container[childKey], child);
    }
  };
  params.forEach((param, index) => {
    slots.push({ container: args as unknown as Record<number, unknown>, key: index, path: param });
    visit(args[index], param);
  });
  return slots;
}

/** Parameters whose value goes into a URL path, or names a person or device. */
const IDENTIFIER_PARAMS: Readonly<Record<string, readonly number[]>> = {
  identify: [0], track: [0], trackAnonymous: [0], trackPageView: [0], destroy: [0], suppress: [0], unsuppress: [0],
  addDevice: [0, 1], deleteDevice: [0, 1], mergeCustomers: [1, 3], triggerBroadcast: [0],
  submitForm: [0], unsubscribe: [0], addCustomersToSegment: [0], removeCustomersFromSegment: [0],
};
/** Parameters the SDK puts through encodeURIComponent. */
const URL_PARAMS: Readonly<Record<string, readonly number[]>> = {
  identify: [0], track: [0], trackPageView: [0], destroy: [0], suppress: [0], unsuppress: [0],
  addDevice: [0], deleteDevice: [0, 1], triggerBroadcast: [0],
  submitForm: [0], unsubscribe: [0], addCustomersToSegment: [0], removeCustomersFromSegment: [0],
};

type Mutation = { kind: 'hostile'; what: string; path: string } | { kind: 'surrogate'; path: string } | { kind: 'ordinary' };

/** Heavy values (walks of a million items) are drawn rarely so the run stays quick. */
const HEAVY = new Set(['an array sharing its levels 2^40 times over', 'a sparse array of the greatest length', 'nesting 300 levels deep']);

function mutate(rng: Rng, operation: OperationName, args: unknown[], params: readonly string[]): Mutation {
  const roll = rng();
  const ids = IDENTIFIER_PARAMS[operation] ?? [];
  if (roll < 0.15 && ids.length > 0) {
    const index = pick(rng, ids);
    const surrogate = pick(rng, ['\ud800', '\udbff', '\udc00', '\udfff']);
    const at = int(rng, 3);
    const base = idText(rng);
    args[index] = at === 0 ? surrogate + base : at === 1 ? base + surrogate : base.slice(0, 3) + surrogate + base.slice(3);
    return { kind: 'surrogate', path: params[index]! };
  }
  const slots = slotsOf(args, params);
  const slot = pick(rng, slots);
  if (roll < 0.3) {
    slot.container[slot.key] = plainValue(rng);
    return { kind: 'ordinary' };
  }
  let entry = pick(rng, HOSTILE_VALUES);
  while (HEAVY.has(entry[0]) && rng() < 0.9) entry = pick(rng, HOSTILE_VALUES);
  const [what, make] = entry;
  if (what === 'an object with a getter that throws' && rng() < 0.5 && typeof slot.key === 'string') {
    // The getter on the slot itself rather than on a value in it.
    const hostile = make() as object;
    const getter = Object.getOwnPropertyDescriptor(hostile, 'broken')!;
    Object.defineProperty(slot.container, slot.key, getter);
    return { kind: 'hostile', what: 'a getter that throws', path: slot.path };
  }
  slot.container[slot.key] = make();
  return { kind: 'hostile', what, path: slot.path };
}

/** Everything the client does with arguments validation let through; throws if any of it fails. */
function useAsTheClientDoes(operation: OperationName, args: unknown[]): void {
  const spec = OPERATIONS[operation];
  const params = args.slice(0, spec.params.length);
  expect(JSON.stringify(params)).to.be.a('string');
  stableStringify(params);
  deriveIdempotencyKey(operation, params);
  spec.personKey(params);
  const sendArgs = spec.withEventId ? spec.withEventId(params, ULID).args : params;
  expect(JSON.stringify(sendArgs)).to.be.a('string');
  stableStringify(sendArgs);
  JSON.stringify(spec.stored(sendArgs, 0));
  for (const index of URL_PARAMS[operation] ?? []) {
    const value = params[index];
    if (typeof value === 'string' || typeof value === 'number') encodeURIComponent(value);
  }
  for (const index of IDENTIFIER_PARAMS[operation] ?? []) {
    const value = params[index];
    if (typeof value === 'string') expect(value.isWellFormed(), `param ${index} is well-formed`).to.equal(true);
  }
}

function escape(path: string): string {
  return path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('validation: a seeded fuzz of hostile calls', () => {
  it(`${CASES} random calls of every operation: never throws; hostile input is INVALID_INPUT naming its path; accepted input is safe to use; no message quotes a value or a thrown text`, function () {
    this.timeout(120_000);
    const rng = prng(SEED);
    const operations = Object.keys(OPERATIONS) as OperationName[];
    const tally = { hostile: 0, surrogate: 0, ordinary: 0, accepted: 0 };
    /** Broken cases, counted by what went wrong; the first few are shown in full. */
    const broken = new Map<string, number>();
    const examples: string[] = [];
    const fail = (kind: string, detail: string): void => {
      broken.set(kind, (broken.get(kind) ?? 0) + 1);
      if (examples.length < 10) examples.push(detail);
    };
    for (let n = 0; n < CASES; n++) {
      const operation = operations[n % operations.length]!;
      const params = OPERATIONS[operation].params;
      const args = validArgs(rng, operation);
      const mutation = mutate(rng, operation, args, params);
      tally[mutation.kind]++;
      const label = `seed ${SEED}, case ${n}: ${operation} with ${mutation.kind === 'hostile' ? `${mutation.what} at ${mutation.path}` : mutation.kind === 'surrogate' ? `a lone surrogate in ${mutation.path}` : 'an ordinary change'}`;

      let error: CioValidationError | null;
      try {
        error = validateCall(operation, args);
      } catch (err) {
        fail('validateCall threw', `${label}: threw ${String((err as Error)?.name)}`);
        continue;
      }
      if (error === null) {
        tally.accepted++;
        if (mutation.kind !== 'ordinary') {
          fail(`${mutation.kind} input accepted`, `${label}: accepted`);
          continue;
        }
        try {
          useAsTheClientDoes(operation, args);
        } catch (err) {
          fail('accepted input unusable', `${label}: accepted, but the client could not use it (${String((err as Error)?.message)})`);
        }
        continue;
      }
      if (!(error instanceof CioValidationError) || error.code !== 'INVALID_INPUT' || !error.message.startsWith(`${operation}: `)) {
        fail('not an INVALID_INPUT CioValidationError', `${label}: ${String(error)}`);
        continue;
      }
      const shown = `${error.message} ${error.field} ${JSON.stringify(error)}`;
      if (shown.includes(THROWN)) fail('message quotes a thrown text', `${label}: ${error.message}`);
      if (shown.includes(VALUE)) fail('message quotes a value', `${label}: ${error.message}`);
      if (mutation.kind !== 'ordinary' && !new RegExp(`^${escape(mutation.path)}(?:$|[.[])`).test(error.field)) {
        fail('field is not the path of the fault', `${label}: field ${error.field}: ${error.message}`);
      }
    }
    const summary = [...broken].map(([kind, count]) => `${count} × ${kind}`).join('; ');
    expect(broken.size, `${summary}\n${examples.join('\n')}`).to.equal(0);
    // The run covers each kind of change; most ordinary changes keep the call valid.
    expect(tally.hostile).to.be.greaterThan(CASES / 2);
    expect(tally.surrogate).to.be.greaterThan(CASES / 20);
    expect(tally.accepted).to.be.greaterThan(CASES / 20);
  });
});
