import { CioError } from '../errors/CioError.js';
import type { RunOutcome } from '../policies/pipeline.js';
import { ENVELOPE_BYTES, batchItemBytes, type BatchLimits } from './batchFormat.js';
import { batchVerdicts, endRequestTrace, type ItemOutcome } from './verdicts.js';
import type { Trace, Tracing } from '../telemetry/tracing.js';

type Obj = Record<string, unknown>;

/** The outcome of one batched operation, as the client's single sends report it. */
export type BatchedOutcome = ItemOutcome;

/** How calls are gathered into batch requests. */
export interface BatcherSettings {
  /** The API whose batch route the requests go to (names their spans). */
  api: string;
  /** The size limits of the API's batch requests. */
  limits: BatchLimits;
  /** Spans of the batch requests, linked to the calls they carry; `undefined` for none. */
  tracing: Tracing | undefined;
  /** Longest an operation waits for others to join its batch. */
  maxDelayMs: number;
  /** Operations per batch request; a full batch goes at once. */
  maxItems: number;
  /** Batch requests waiting for Customer.io at once; beyond them, calls are not held but answered at once (and queued). */
  maxInFlight: number;
}

interface Item {
  op: Obj;
  resolve: (outcome: BatchedOutcome) => void;
  /** Sends the operation on its own (its v1 route), for when the whole batch was refused. */
  alone: () => Promise<BatchedOutcome>;
  /** The call's span, if it is recorded. */
  trace: Trace | undefined;
}

/**
 * The outcome of a call that found every batch slot busy and its open batch full: Customer.io is
 * slow or hanging, so the call is not held in memory (the client queues it).
 */
const BUSY: BatchedOutcome = Object.freeze({
  ok: false,
  attempts: 0,
  error: new CioError('BATCHES_BUSY', 'every batch request is still waiting for Customer.io; the call was not sent now', true, { maybeDelivered: false }),
});

/**
 * Write-behind batching for one API: operations added within `maxDelayMs` of each other (up to
 * `maxItems`, and below the API's body limit) go to Customer.io as one batch request (Track v2's or
 * Data Pipelines'), sent
 * through the client's pipeline (so the batch is one request to the rate limit and the breaker,
 * retried as a whole on transient failures). Each operation then gets its own outcome: the batch's
 * failure, or its item's verdict from a 207 answer. A batch Customer.io refuses as a whole (too large,
 * malformed) is sent again one operation at a time, so one bad operation cannot sink the others.
 *
 * At most `maxInFlight` batch requests wait for Customer.io at once (a bulkhead): while they all
 * wait, the open batch keeps filling and goes when one comes back; once it is full too, further
 * calls are answered at once with a retryable `BATCHES_BUSY` error, which the client turns into
 * `queued`. A hanging Customer.io therefore ties up a few sockets and at most
 * `(maxInFlight + 1) × maxItems` held calls, never one per call.
 */
export class Batcher {
  readonly #send: (ops: Obj[], trace: Trace | undefined) => Promise<RunOutcome<unknown>>;
  readonly #settings: BatcherSettings;
  #items: Item[] = [];
  #bytes = ENVELOPE_BYTES;
  #timer: NodeJS.Timeout | undefined;
  /** While above 0 (a flush or close is under way), a batch goes as soon as the current tick's calls have joined it. */
  #hurried = 0;
  #soon = false;
  /** Batch requests sent and not answered yet. */
  #inFlight = 0;
  /** The open batch is due but waits for a free slot. */
  #due = false;
  #generation = 0;

  /** @param send - sends one batch request under the API's policies, in the request's span (if any). */
  constructor(send: (ops: Obj[], trace: Trace | undefined) => Promise<RunOutcome<unknown>>, settings: BatcherSettings) {
    this.#send = send;
    this.#settings = settings;
  }

  /** Operations waiting for their batch to go. */
  get waiting(): number {
    return this.#items.length;
  }

  /** Which batch is open now: it changes each time a batch goes out. */
  get openBatch(): number {
    return this.#generation;
  }

  /**
   * Adds an operation to the open batch. Resolves with its own outcome once its batch is answered,
   * never rejects. Returns `undefined` (nothing added) for an operation larger than a v2 operation may
   * be: the caller sends it on its own route.
   */
  add(op: Obj, alone: () => Promise<BatchedOutcome>, trace?: Trace): Promise<BatchedOutcome> | undefined {
    const { batchBytes } = this.#settings.limits;
    const bytes = batchItemBytes(op, this.#settings.limits);
    if (bytes === undefined) return undefined;
    if (this.#bytes + bytes > batchBytes) this.flush();
    if (this.#items.length >= this.#settings.maxItems || this.#bytes + bytes > batchBytes) return Promise.resolve(BUSY); // still there: no slot free
    const { promise: outcome, resolve } = Promise.withResolvers<BatchedOutcome>();
    this.#items.push({ op, resolve, alone, trace });
    this.#bytes += bytes;
    trace?.event('customerio.batched');
    if (this.#items.length >= this.#settings.maxItems) this.flush();
    else if (this.#hurried > 0) {
      if (!this.#soon) {
        this.#soon = true;
        queueMicrotask(() => {
          this.#soon = false;
          this.flush();
        });
      }
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#settings.maxDelayMs);
      this.#timer.unref();
    }
    return outcome;
  }

  /**
   * Sends the open batch now, and until the returned function is called, sends every later batch
   * without waiting for `maxDelayMs` (for a flush or a close: calls still on their way in must not
   * wait out the delay).
   */
  hurry(): () => void {
    this.#hurried++;
    this.flush();
    let done = false;
    return () => {
      if (!done) this.#hurried--;
      done = true;
    };
  }

  /** Sends the open batch now (no-op when empty). */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const items = this.#items;
    if (items.length === 0) return;
    if (this.#inFlight >= this.#settings.maxInFlight) {
      this.#due = true; // goes when a slot is free
      return;
    }
    this.#due = false;
    this.#items = [];
    this.#bytes = ENVELOPE_BYTES;
    this.#generation++;
    void this.#deliver(items);
  }

  async #deliver(items: Item[]): Promise<void> {
    let outcome: RunOutcome<unknown>;
    const tracing = this.#settings.tracing;
    const trace = tracing?.request(
      `${this.#settings.api} batch request`,
      { 'customerio.api': this.#settings.api, 'customerio.batch.size': items.length, 'customerio.replay': false },
      items.map((i) => i.trace),
    );
    this.#inFlight++;
    try {
      outcome = await this.#send(
        items.map((i) => i.op),
        trace,
      );
    } catch (err) {
      outcome = { ok: false, attempts: 0, error: err instanceof CioError ? err : new CioError('UNKNOWN', 'the batch could not be sent', false) };
    } finally {
      this.#inFlight--;
      if (this.#due || (this.#hurried > 0 && this.#items.length > 0)) this.flush();
    }
    const verdicts = batchVerdicts(outcome, items.length);
    endRequestTrace(trace, outcome, verdicts);
    if (verdicts === 'each') {
      // The body was refused as a whole: each operation gets its own verdict on its own route.
      for (const item of items) {
        item.alone().then(item.resolve, () => item.resolve({ ok: false, attempts: 0, error: new CioError('UNKNOWN', 'the operation could not be sent', false) }));
      }
      return;
    }
    for (let i = 0; i < items.length; i++) items[i]!.resolve(verdicts[i]!);
  }
}
