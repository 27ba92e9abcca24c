import type { CioClient, CioResultStatus, CircuitStateName } from '../../src/index.js';
import type { CioEmulator } from '../../src/testing/index.js';
import { percentile } from './percentile.js';
import type { TrafficGenerator } from './traffic.js';

/** The state of the run at one moment; the live display and the chart are drawn from these. */
export interface Sample {
  /** Seconds since the story started. */
  t: number;
  phase: string;
  circuit: CircuitStateName;
  /** Operations waiting in the fallback queue. */
  depth: number;
  /** Operations Customer.io (the emulator) accepted so far, duplicates excluded. */
  delivered: number;
  /** Of those, per second over the last second. */
  deliveryRate: number;
  /** HTTP requests the app answered in the last second. */
  requestRate: number;
  /** The app's latency over the last second (round trip seen by the traffic generator), ms. */
  p50: number;
  p99: number;
  /** Operations the app took on so far. */
  accepted: number;
  /** Calls the client sent at once, and queued operations it replayed later. */
  sent: number;
  replayed: number;
  /** HTTP attempts the client repeated inside a call (retries). */
  retries: number;
  /** Calls that went to the fallback queue. */
  queued: number;
  /** Events Customer.io dropped as ULID duplicates. */
  duplicates: number;
  deadLetters: number;
}

/** A change of circuit state, seconds since the start. */
export interface Transition {
  t: number;
  state: CircuitStateName;
}

/**
 * Counts what the client and the emulator report (client events, emulator notifications, the
 * traffic generator's records) and takes a {@link Sample} every `everyMs`.
 */
export class Meter {
  readonly samples: Sample[] = [];
  readonly transitions: Transition[] = [];
  /** First outcome of every client call, by status. */
  readonly outcomes = new Map<CioResultStatus, number>();
  replayed = 0;
  retries = 0;
  deadLettered = 0;
  phase = 'healthy';

  readonly #cio: CioClient;
  readonly #emu: CioEmulator;
  readonly #traffic: TrafficGenerator;
  #start = performance.now();
  readonly #unsubscribe: Array<() => void> = [];
  #delivered = 0;
  #timer: NodeJS.Timeout | undefined;
  #onSample: (s: Sample) => void = () => undefined;

  constructor(cio: CioClient, emu: CioEmulator, traffic: TrafficGenerator) {
    this.#cio = cio;
    this.#emu = emu;
    this.#traffic = traffic;
    this.#unsubscribe.push(
      cio.on('result', (r) => this.outcomes.set(r.status, (this.outcomes.get(r.status) ?? 0) + 1)),
      cio.on('sent', (e) => {
        if (e.replayed) this.replayed++;
      }),
      cio.on('retry', () => {
        this.retries++;
      }),
      cio.on('deadLettered', () => {
        this.deadLettered++;
      }),
      cio.on('circuitStateChanged', ({ state }) => {
        const t = this.elapsed();
        this.transitions.push({ t, state });
        this.onTransition({ t, state });
      }),
    );
    const onOperation = (op: { duplicate: boolean }): void => {
      if (!op.duplicate) this.#delivered++;
    };
    emu.on('operation', onOperation);
    this.#unsubscribe.push(() => emu.off('operation', onOperation));
  }

  /** Called on every circuit change (the display logs it). */
  onTransition: (t: Transition) => void = () => undefined;

  /** Seconds since the meter started. */
  elapsed(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Starts the clock, samples every `everyMs` and hands each sample to `onSample`. */
  start(everyMs: number, onSample: (s: Sample) => void): void {
    this.#start = performance.now();
    this.#onSample = onSample;
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  /** Takes a sample now. */
  sample(): Sample {
    const now = performance.now();
    const lastSecond: number[] = [];
    const records = this.#traffic.records;
    for (let i = records.length - 1; i >= 0 && records[i]!.at >= now - 1000; i--) {
      if (records[i]!.phase !== 'warm-up') lastSecond.push(records[i]!.ms);
    }
    const t = (now - this.#start) / 1000;
    const second = this.samples.findLast((s) => s.t <= t - 1) ?? this.samples[0];
    const health = this.#cio.health();
    const sample: Sample = {
      t,
      phase: this.phase,
      circuit: health.circuit_state,
      depth: health.queue.depth,
      delivered: this.#delivered,
      deliveryRate: second ? (this.#delivered - second.delivered) / Math.max(0.25, t - second.t) : 0,
      requestRate: lastSecond.length,
      p50: percentile(lastSecond, 50),
      p99: percentile(lastSecond, 99),
      accepted: this.#traffic.accepted.size,
      sent: this.outcomes.get('sent') ?? 0,
      replayed: this.replayed,
      retries: this.retries,
      queued: this.outcomes.get('queued') ?? 0,
      duplicates: this.#emu.duplicates,
      deadLetters: health.queue.dead_letter,
    };
    this.samples.push(sample);
    this.#onSample(sample);
    return sample;
  }

  /** Stops sampling and unsubscribes. */
  stop(): void {
    clearInterval(this.#timer);
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}
