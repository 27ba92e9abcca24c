import type { CioError } from '../errors/CioError.js';
import type { ApiName, CircuitStateName, CioResult } from './types.js';

/** Events a client emits, by name, with their payloads. */
export interface CioEvents {
  /** The breaker opened: calls go straight to the queue until it half-opens. */
  circuitOpened: { error: CioError | undefined; api: ApiName };
  /** The breaker lets a probe through. */
  circuitHalfOpened: { api: ApiName };
  /** The breaker closed again: Customer.io is answering. */
  circuitClosed: { api: ApiName };
  /** Any change of circuit state. */
  circuitStateChanged: { state: CircuitStateName; api: ApiName };
  /** An attempt failed and another follows after `delayMs`. */
  retry: { operation: string; idempotencyKey: string; attempt: number; delayMs: number; error: CioError };
  /** Customer.io accepted an operation (`replayed` when it came from the queue). */
  sent: { operation: string; idempotencyKey: string; attempts: number; replayed: boolean };
  /** An operation was put in the fallback queue. */
  queued: { operation: string; idempotencyKey: string; error: CioError };
  /** The queue was full: the operation was not kept. */
  dropped: { operation: string; idempotencyKey: string };
  /** An operation was set aside for a person to look at (permanent or ambiguous failure). */
  deadLettered: { operation: string; idempotencyKey: string; error: CioError };
  /** Any call finished (with whatever status), how long it took in ms, and the API whose policies it ran under. */
  result: CioResult & { durationMs: number; api: ApiName };
}

/** Name of an event a client emits. */
export type CioEventName = keyof CioEvents;

/** Stops a subscription; also callable as `.dispose()`. */
export interface Unsubscribe {
  (): void;
  dispose(): void;
}

/** A small typed emitter. A listener that throws is reported to `onListenerError` and never breaks the caller. */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();
  readonly #onListenerError: (err: unknown, event: keyof Events) => void;

  constructor(onListenerError: (err: unknown, event: keyof Events) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): Unsubscribe {
    if (typeof listener !== 'function') throw new TypeError(`on(${String(event)}): listener must be a function, got ${typeof listener}`);
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    const off = (() => this.off(event, listener)) as Unsubscribe;
    off.dispose = off;
    return off;
  }

  /** Subscribes for one emission only. */
  once<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): Unsubscribe {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Unsubscribes a listener. */
  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void {
    this.#listeners.get(event)?.delete(listener as (payload: never) => void);
  }

  /** Calls every listener of `event`. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as (p: Events[K]) => void)(payload);
      } catch (err) {
        this.#onListenerError(err, event);
      }
    }
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
