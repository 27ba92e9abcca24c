import { checkPersonId, isRecord } from './validate.js';
import type { Problem } from './validate.js';

/** A resolved person key, or the problems that prevented it. */
export type PersonKeyResult = { readonly key: string; readonly problems: readonly [] } | { readonly key: null; readonly problems: readonly Problem[] };

/**
 * Resolve Customer.io identifiers (`{ id }`, `{ email }` or `{ cio_id }`) to the emulator's person key:
 * the id, the email, or `cio_<cio_id>` (as the v1 API spells a cio_id in paths).
 */
export function personKey(identifiers: unknown, field: string): PersonKeyResult {
  if (!isRecord(identifiers)) {
    return { key: null, problems: [{ field, reason: 'required', message: `${field} is required` }] };
  }
  for (const name of ['id', 'email', 'cio_id'] as const) {
    const value = identifiers[name];
    if (value === undefined || value === null) continue;
    const problems = checkPersonId(value, `${field}.${name}`);
    if (problems.length > 0) return { key: null, problems };
    const text = String(value);
    return { key: name === 'cio_id' ? `cio_${text}` : text, problems: [] };
  }
  return {
    key: null,
    problems: [{ field, reason: 'required', message: `${field} must hold one of id, email or cio_id` }],
  };
}
