import { createHash } from 'node:crypto';
import type { EmulatorState } from './state.js';

/** A person's identifiers, as the App API shows them (`{ id, email, cio_id }`). */
export interface Identifiers {
  readonly id: string | null;
  readonly email: string | null;
  readonly cio_id: string;
}

/** The identifier kinds of the App API's `id_type` parameter that the emulator knows (no `phone`). */
export type IdType = 'id' | 'email' | 'cio_id';

export const ID_TYPES: ReadonlySet<string> = new Set<IdType>(['id', 'email', 'cio_id']);

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);

/**
 * The `cio_id` of a person key: the value of a `cio_<cio_id>` key, else one the emulator derives from
 * the key (12 hex digits, stable across runs). Customer.io assigns its own; the emulator only
 * promises that a person keeps theirs and that `id_type=cio_id` finds them by it.
 */
export function cioIdOf(key: string): string {
  return key.startsWith('cio_') ? key.slice(4) : createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12);
}

/**
 * The identifiers of the person stored under `key`. The key is read by its shape, as the Track API
 * reads a path identifier ("We determine the identifier type from the shape of the value"):
 * `cio_<x>` is a cio_id, a value with `@` an email, anything else an id. The other identifiers come
 * from the `id` / `email` attributes.
 */
export function identifiersOf(key: string, attributes: Readonly<Record<string, unknown>>): Identifiers {
  if (key.startsWith('cio_')) return { id: text(attributes['id']), email: text(attributes['email']), cio_id: key.slice(4) };
  if (key.includes('@')) return { id: text(attributes['id']), email: key, cio_id: cioIdOf(key) };
  return { id: key, email: text(attributes['email']), cio_id: cioIdOf(key) };
}

/** A stored person: key, attributes and identifiers. */
export interface Profile {
  readonly key: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly identifiers: Identifiers;
}

/** Every stored person, in the order they were first identified. */
export function profiles(state: EmulatorState): Profile[] {
  return [...state.people].map(([key, attributes]) => ({ key, attributes, identifiers: identifiersOf(key, attributes) }));
}

/** The people whose identifier of kind `idType` is `value`. */
export function findProfiles(state: EmulatorState, idType: IdType, value: string): Profile[] {
  return profiles(state).filter((p) => p.identifiers[idType] === value);
}

/**
 * A person's attributes with their identifiers among them, as Customer.io lists them (`id`, `email`
 * and `cio_id` are attributes too).
 */
export function attributesWithIdentifiers(profile: Profile): Record<string, unknown> {
  const { id, email, cio_id } = profile.identifiers;
  return { ...profile.attributes, ...(id === null ? {} : { id }), ...(email === null ? {} : { email }), cio_id };
}
