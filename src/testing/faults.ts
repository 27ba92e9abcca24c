import type { CioApi, FaultHandle, FaultSpec } from './types.js';

/** What a request looks like to fault matching. */
export interface FaultTarget {
  readonly api: CioApi;
  readonly method: string;
  readonly path: string;
  readonly operation: string | null;
}

/** An installed rule with its counters. */
interface Rule {
  readonly spec: Readonly<FaultSpec>;
  readonly until: number | null;
  hits: number;
  removed: boolean;
}

/** Check a spec for values that cannot work, so a typo fails loudly instead of silently never matching. */
function assertValid(spec: FaultSpec): void {
  const positive = (name: string, v: number | undefined, allowZero: boolean): void => {
    if (v === undefined) return;
    if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      throw new RangeError(`CIO emulator fault: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
    }
  };
  positive('times', spec.times, false);
  positive('forMs', spec.forMs, true);
  positive('delayMs', spec.delayMs, true);
  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) {
    throw new RangeError('CIO emulator fault: status must be an HTTP status code (100-599)');
  }
  if (spec.applyThen !== undefined) {
    if (spec.applyThen !== 'reset' && spec.applyThen !== 'hang') {
      throw new RangeError(`CIO emulator fault: applyThen must be 'reset' or 'hang'`);
    }
    const clash = (['status', 'body', 'retryAfter', 'hang', 'reset'] as const).filter((k) => spec[k] !== undefined && spec[k] !== false);
    if (clash.length > 0) {
      throw new RangeError(`CIO emulator fault: applyThen cannot be combined with ${clash.join(', ')} (the request is applied, then its answer lost)`);
    }
  }
}

/** Whether `rule` matches `target` (ignoring its counters). */
function matches(spec: FaultSpec, target: FaultTarget): boolean {
  const m = spec.match;
  if (!m) return true;
  if (m.api !== undefined && m.api !== target.api) return false;
  if (m.method !== undefined && m.method.toUpperCase() !== target.method) return false;
  if (m.operation !== undefined && m.operation !== target.operation) return false;
  if (m.path !== undefined) {
    if (typeof m.path === 'string') {
      if (m.path !== target.path) return false;
    } else {
      m.path.lastIndex = 0;
      if (!m.path.test(target.path)) return false;
    }
  }
  return true;
}

/**
 * The ordered list of fault rules. The first active rule matching a request applies to it and counts
 * a hit; rules past their `times` or `forMs` are skipped (and dropped).
 */
export class FaultBook {
  readonly #rules: Rule[] = [];
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Install a rule after the existing ones. */
  add(spec: FaultSpec): FaultHandle {
    assertValid(spec);
    const frozen: Readonly<FaultSpec> = Object.freeze({
      ...spec,
      ...(spec.match ? { match: Object.freeze({ ...spec.match }) } : {}),
    });
    const rule: Rule = {
      spec: frozen,
      until: spec.forMs === undefined ? null : this.#now() + spec.forMs,
      hits: 0,
      removed: false,
    };
    this.#rules.push(rule);
    const isActive = (): boolean => this.#isActive(rule);
    const remove = (): void => {
      rule.removed = true;
      const i = this.#rules.indexOf(rule);
      if (i >= 0) this.#rules.splice(i, 1);
    };
    return {
      get hits() {
        return rule.hits;
      },
      get active() {
        return isActive();
      },
      remove,
    };
  }

  /** Find the rule for a request and count the hit, or `null` when none applies. */
  take(target: FaultTarget): Readonly<FaultSpec> | null {
    for (const rule of [...this.#rules]) {
      if (!this.#isActive(rule)) {
        this.#drop(rule);
        continue;
      }
      if (matches(rule.spec, target)) {
        rule.hits++;
        return rule.spec;
      }
    }
    return null;
  }

  /** Remove every rule (their handles report inactive). */
  clear(): void {
    for (const rule of this.#rules) rule.removed = true;
    this.#rules.length = 0;
  }

  #isActive(rule: Rule): boolean {
    if (rule.removed) return false;
    if (rule.spec.times !== undefined && rule.hits >= rule.spec.times) return false;
    return rule.until === null || this.#now() < rule.until;
  }

  #drop(rule: Rule): void {
    const i = this.#rules.indexOf(rule);
    if (i >= 0) this.#rules.splice(i, 1);
  }
}
