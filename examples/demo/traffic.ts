/** One HTTP request the generator made, once answered (or failed). */
export interface RequestRecord {
  /** When it finished, ms (performance clock). */
  at: number;
  /** Round trip as the caller saw it, ms. */
  ms: number;
  phase: string;
  /** Customer.io operations the app took on for it (0 unless it answered 201). */
  ops: number;
}

/** Settings of {@link TrafficGenerator}. */
export interface TrafficOptions {
  /** Requests per second. */
  rate: number;
  /** Most requests in flight at once; a tick that finds them all busy is skipped (and counted). */
  maxInFlight: number;
  /** Makes person ids unique to this run. */
  runId: string;
}

/**
 * Calls the example app over loopback at a steady rate with plain `fetch`: sign-ups (an identify
 * and a `signed_up` event for a new person) and orders (an `order_placed` event with a new SKU for
 * a person who signed up). Every operation the app took on (it answered 201) is written down under
 * a key the ledger can find again at the emulator.
 */
export class TrafficGenerator {
  /** Operation key → phase it was accepted in: `identify:<id>`, `signed_up:<id>`, `order_placed:<sku>`. */
  readonly accepted = new Map<string, string>();
  /** Every finished request, in finishing order. */
  readonly records: RequestRecord[] = [];
  /** Requests that did not answer 201 (or did not answer at all). */
  failed = 0;
  /** Ticks skipped because `maxInFlight` requests were busy. */
  skipped = 0;
  /** Phase written into every record. */
  phase = 'healthy';

  readonly #base: string;
  readonly #o: TrafficOptions;
  readonly #people: string[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #started = 0;
  #issued = 0;
  #ticks = 0;
  #orders = 0;

  constructor(baseUrl: string, options: TrafficOptions) {
    this.#base = baseUrl;
    this.#o = options;
  }

  /** Starts sending. */
  start(): void {
    this.#started = performance.now();
    this.#timer = setInterval(() => this.#tick(), Math.max(5, Math.floor(1000 / this.#o.rate / 2)));
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Sends `n` requests one after the other (warms up the JIT and the connections before the story). */
  async warmUp(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.#send(this.#issued++);
  }

  /** Starts the requests due by now (so the rate holds however the timer drifts). */
  #tick(): void {
    const due = Math.floor(((performance.now() - this.#started) / 1000) * this.#o.rate);
    while (this.#ticks < due) {
      this.#ticks++;
      if (this.#inFlight.size >= this.#o.maxInFlight) {
        this.skipped++;
        continue;
      }
      const p = this.#send(this.#issued++).finally(() => this.#inFlight.delete(p));
      this.#inFlight.add(p);
    }
  }

  async #send(n: number): Promise<void> {
    const phase = this.phase;
    const signup = n % 2 === 0 || this.#people.length === 0;
    const person = signup ? `${this.#o.runId}-p${n}` : this.#people[Math.floor(Math.random() * this.#people.length)]!;
    const sku = `sku-${this.#o.runId}-${this.#orders++}`;
    const started = performance.now();
    let ok = false;
    try {
      const res = await fetch(`${this.#base}${signup ? '/signup' : '/orders'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signup ? {} : { 'x-user-id': person }) },
        body: JSON.stringify(signup ? { id: person, email: `${person}@example.com`, plan: 'pro' } : { sku, quantity: 1 }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      ok = res.status === 201;
    } catch {
      ok = false;
    }
    const keys = signup ? [`identify:${person}`, `signed_up:${person}`] : [`order_placed:${sku}`];
    if (ok) {
      for (const key of keys) this.accepted.set(key, phase);
      if (signup) this.#people.push(person);
    } else {
      this.failed++;
    }
    this.records.push({ at: performance.now(), ms: performance.now() - started, phase, ops: ok ? keys.length : 0 });
  }
}
