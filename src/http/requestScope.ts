import type { CioClient } from '../client/CioClient.js';
import type { CallOptions, CioResult, OperationName } from '../client/types.js';
import { CioError } from '../errors/CioError.js';
import { deriveIdempotencyKey } from '../idempotency/keys.js';
import { OPERATION_ARITY, SCOPED_OPERATIONS } from './operationArity.js';
import { scopedIdempotencyKey } from './requestIdempotency.js';
import type { DeferredCall, ScopedCioClient } from './ScopedCioClient.js';

/** Settings of one request's scope. */
export interface RequestScopeOptions {
  /** The request's idempotency scope. */
  idempotencyScope: string | undefined;
  /** Reads the request's person id (the app's hook), or `undefined` without a hook. */
  personId: (() => unknown) | undefined;
}

/** A request's scoped client and the switch that hands its held calls to the client. */
export interface RequestScope {
  /** The client to expose on the request. */
  readonly cio: ScopedCioClient;
  /** Hands held calls to the client, in call order; later calls go at once. Idempotent. */
  release(): void;
}

interface HeldCall {
  readonly operation: OperationName;
  readonly args: unknown[];
  readonly key: string;
  readonly settle: (result: CioResult) => void;
}

/** Copies the arguments as they are now, so changes the handler makes afterwards do not leak in. */
function snapshot(args: unknown[]): unknown[] {
  try {
    return structuredClone(args);
  } catch {
    return args; // not cloneable: the client's validation decides
  }
}

function withDelivered<T extends object>(target: T, delivered: Promise<CioResult>): T & { readonly delivered: Promise<CioResult> } {
  Object.defineProperty(target, 'delivered', { value: delivered, enumerable: false });
  return target as T & { readonly delivered: Promise<CioResult> };
}

/** Creates the scoped client of one request. The caller calls `release()` when the response is over. */
export function createRequestScope(client: CioClient, options: RequestScopeOptions): RequestScope {
  const held: HeldCall[] = [];
  let released = false;

  const log = (operation: string, err: unknown, what = 'a request-scoped call could not be dispatched'): void => {
    try {
      client.logger.error({ operation, err: err instanceof Error ? err.name : typeof err }, `customerio-resilience: ${what}`);
    } catch {
      /* a throwing logger must not reach the request */
    }
  };

  const dispatchFailed = (operation: OperationName, key: string, err: unknown): CioResult => {
    log(operation, err);
    return { status: 'failed', operation, idempotencyKey: key, attempts: 0, error: new CioError('UNKNOWN', `${operation} could not be dispatched`, false) };
  };

  const dispatch = (operation: OperationName, args: unknown[], key: string): Promise<CioResult> => {
    const failed = (err: unknown): CioResult => dispatchFailed(operation, key, err);
    try {
      const method = client[operation] as (...a: unknown[]) => Promise<CioResult>;
      return Promise.resolve(method.apply(client, args)).catch(failed);
    } catch (err) {
      return Promise.resolve(failed(err));
    }
  };

  const defer = (operation: OperationName, raw: readonly unknown[]): DeferredCall => {
    const arity = OPERATION_ARITY[operation];
    const args = snapshot(raw.slice(0, arity));
    const given = raw[arity] as CallOptions | undefined;
    const own = typeof given === 'object' && given !== null && typeof given.idempotencyKey === 'string' ? given.idempotencyKey : undefined;
    const scope = options.idempotencyScope;
    const key = scope === undefined ? own : scopedIdempotencyKey(scope, own ?? deriveIdempotencyKey(operation, args));
    const sendArgs = key === undefined ? args : [...args, ...new Array<undefined>(arity - args.length), { idempotencyKey: key }];
    const reportedKey = key ?? deriveIdempotencyKey(operation, args);

    if (released) {
      const delivered = dispatch(operation, sendArgs, reportedKey);
      return withDelivered(delivered.then((r) => withDelivered({ ...r }, delivered)), delivered);
    }
    let settle!: (result: CioResult) => void;
    const delivered = new Promise<CioResult>((resolve) => (settle = resolve));
    held.push({ operation, args: sendArgs, key: reportedKey, settle: (r) => settle(r) });
    const placeholder = withDelivered<CioResult>({ status: 'queued', operation, idempotencyKey: reportedKey, attempts: 0 }, delivered);
    return withDelivered(Promise.resolve(placeholder), delivered);
  };

  const cio = {
    get personId(): string | undefined {
      if (!options.personId) return undefined;
      try {
        const id = options.personId();
        if (typeof id === 'number' && Number.isFinite(id)) return String(id);
        return typeof id === 'string' && id !== '' ? id : undefined;
      } catch (err) {
        log('personId', err, 'the personId hook threw; personId reads undefined');
        return undefined;
      }
    },
    idempotencyScope: options.idempotencyScope,
    get dispatched(): boolean {
      return released;
    },
    client,
  } as ScopedCioClient;
  /** Never throws: a failure here is reported as a `failed` result, never to the request. */
  const call = (operation: OperationName, raw: readonly unknown[]): DeferredCall => {
    try {
      return defer(operation, raw);
    } catch (err) {
      const delivered = Promise.resolve(dispatchFailed(operation, '', err));
      return withDelivered(delivered.then((r) => withDelivered({ ...r }, delivered)), delivered);
    }
  };

  for (const name of SCOPED_OPERATIONS) {
    Object.defineProperty(cio, name, { value: (...raw: unknown[]) => call(name, raw), enumerable: false });
  }

  return {
    cio: Object.freeze(cio),
    release(): void {
      if (released) return;
      released = true;
      for (const h of held.splice(0)) void dispatch(h.operation, h.args, h.key).then(h.settle);
    },
  };
}
