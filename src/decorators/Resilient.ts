import { getDefaultCioClient } from './defaultClient.js';
import { classNameOf, ownerOf, WRAPPERS, type DecoratedMethod } from './decorated.js';
import { invokeResilient } from './invoke.js';
import { copyFunctionMetadata, defineResilientMetadata, loadReflectMetadata } from './metadata.js';
import { normalizeResilientOptions, type NormalizedResilientOptions, type ResilientOptions } from './options.js';
import { registerReplay } from './registry.js';

/**
 * A compile-time check of a decorated method's declared result `R`: the decorated method may also
 * resolve `Extra` (`undefined` when the call fails, is queued or repeats an idempotency key;
 * `never` with `fallback: 'throw'` and no `idempotencyKey`), so `R` must admit it.
 */
export type AdmitsResult<R, Extra> = [Extra] extends [never]
  ? unknown
  : [Extra] extends [R]
    ? unknown
    : {
        "@Resilient: the method may resolve undefined (failed, queued or a repeated key); declare its result as Promise<T | undefined> or Promise<void>, or use fallback: 'throw' without idempotencyKey": never;
      };

/**
 * A compile-time check: a `@Resilient()` method resolves `undefined` when its call fails (by
 * default), is queued or is a duplicate, so its declared result must admit `undefined`
 * (`Promise<void>`, or `Promise<T | undefined>`).
 */
export type AdmitsUndefined<R> = AdmitsResult<R, undefined>;

/**
 * The decorator `Resilient()` returns. It is both a standard (TC39) method decorator and an
 * `experimentalDecorators` one; the decorated method must return a promise (be `async`). `Extra`
 * is what the method may resolve besides its own value (see {@link AdmitsResult}).
 */
export interface ResilientDecorator<Args extends unknown[] = any[], Extra = undefined> {
  /** Standard decorators (TypeScript 5+ without `experimentalDecorators`). */
  <This, A extends Args, R>(
    value: (this: This, ...args: A) => Promise<R>,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => Promise<R>> & AdmitsResult<R, Extra>,
  ): (this: This, ...args: A) => Promise<R>;
  /** `experimentalDecorators` (with or without `emitDecoratorMetadata`), as NestJS uses. */
  <A extends Args, R>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<(...args: A) => Promise<R>> & AdmitsResult<R, Extra>,
  ): TypedPropertyDescriptor<(...args: A) => Promise<R>>;
}

/**
 * Options that make a `@Resilient()` method resolve only its own value: on failure it rejects
 * (`fallback: 'throw'`), and without `idempotencyKey` no call is skipped as a repeat. Such a method
 * may declare any `Promise<T>`.
 */
export type ThrowingResilientOptions<Args extends unknown[] = any[]> = ResilientOptions<Args> & { fallback: 'throw'; idempotencyKey?: undefined };

function isMethodContext(value: unknown): value is ClassMethodDecoratorContext {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' && 'name' in value;
}

/** Builds the wrapper that replaces a method, and its record. */
function decorate(
  options: NormalizedResilientOptions,
  given: Readonly<ResilientOptions>,
  original: unknown,
  name: string | symbol,
  isPrivate: boolean,
): DecoratedMethod {
  if (typeof original !== 'function') {
    throw new TypeError(`@Resilient: can only decorate a method, but '${String(name)}' is ${original === undefined ? 'not a method (an accessor or a field?)' : `a ${typeof original}`}`);
  }
  const wrapper = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    return invokeResilient(method, this, args);
  };
  Object.defineProperty(wrapper, 'name', { value: (original as Function).name, configurable: true });
  copyFunctionMetadata(original as Function, wrapper);
  const method: DecoratedMethod = {
    original: original as DecoratedMethod['original'],
    wrapper,
    name,
    isPrivate,
    options,
    given,
    operation: options.operation,
  };
  WRAPPERS.set(wrapper, method);
  return method;
}

/**
 * Runs an async method under a Customer.io client's policies: rate limit, retry with backoff,
 * the client's circuit breaker (shared with its own calls), attempt timeout, idempotency guard,
 * and on failure the `fallback`. The method never rejects unless `fallback: 'throw'`.
 *
 * The method's result type must admit `undefined` (a compile error says so otherwise), except with
 * `fallback: 'throw'` and no `idempotencyKey`: then it resolves only the method's own value (or
 * rejects), and any `Promise<T>` is fine. To type the
 * arguments of `fallback` and `idempotencyKey`, give them as a type argument:
 * `@Resilient<[user: User]>({ fallback: (error, user) => ... })`; they are then checked against the method's.
 *
 * Works with standard (TC39) decorators and with `experimentalDecorators` (+ `emitDecoratorMetadata`,
 * as NestJS uses): the mode is told apart by the arguments the decorator receives. The options are
 * kept for {@link getResilientOptions}, and as reflect metadata under `RESILIENT_METADATA`: the first
 * `Resilient()` loads reflect-metadata unless a polyfill is already loaded (importing the package
 * does not). With `emitDecoratorMetadata`, import `reflect-metadata` yourself first, as NestJS apps do.
 *
 * What the method throws decides what happens next: a `CioError` as given (`retryable`, `code`), the
 * SDK's errors, fetch failures and Node.js network errors (`ECONNREFUSED`, ...) as transient (retried,
 * counted by the breaker, queueable), anything else as a permanent `UNKNOWN` error (not retried).
 * Note that a timed-out attempt is not cancelled: the method keeps running in the background.
 *
 * @example
 * ```ts
 * class Onboarding {
 *   @Resilient({ operation: 'welcome', fallback: 'queue' })
 *   async welcome(user: { id: string }): Promise<void> { await mailer.send(user.id); }
 * }
 * ```
 */
export function Resilient<Args extends unknown[] = any[]>(options: NoInfer<ThrowingResilientOptions<Args>>): ResilientDecorator<Args, never>;
export function Resilient<Args extends unknown[] = any[]>(options?: NoInfer<ResilientOptions<Args>>): ResilientDecorator<Args>;
export function Resilient<Args extends unknown[] = any[]>(options?: NoInfer<ResilientOptions<Args>>): ResilientDecorator<Args, never> | ResilientDecorator<Args> {
  loadReflectMetadata();
  const normalized = normalizeResilientOptions(options);
  const given: Readonly<ResilientOptions> = Object.freeze({ ...(options ?? {}) }) as Readonly<ResilientOptions>;

  function standard(value: unknown, context: ClassMethodDecoratorContext): unknown {
    if (context.kind !== 'method') {
      throw new TypeError(`@Resilient: can only decorate a method, got a ${String(context.kind)} ('${String(context.name)}')`);
    }
    const method = decorate(normalized, given, value, context.name, context.private);
    context.addInitializer(function (this: unknown) {
      // Runs as each instance is constructed (as the class is defined, for a static method).
      try {
        const owner = ownerOf(this, method) ?? (context.private ? Object.getPrototypeOf(this) : undefined);
        if (owner) defineResilientMetadata(owner as object, method);
        const client = normalized.client ?? getDefaultCioClient();
        if (client) registerReplay(client, method, this, false);
      } catch (err) {
        // Construction must never fail because of this; the first call registers again.
        const client = normalized.client ?? getDefaultCioClient();
        try {
          client?.logger.warn({ method: String(context.name), err: String(err).slice(0, 300) }, 'customerio-resilience: @Resilient could not register a replay handler');
        } catch {
          /* ignore */
        }
      }
    });
    return method.wrapper;
  }

  function legacy(target: object, key: string | symbol, descriptor: PropertyDescriptor | undefined): PropertyDescriptor {
    const method = decorate(normalized, given, descriptor?.value, key, false);
    method.operation = normalized.operation ?? `${classNameOf(target)}.${String(key)}`;
    defineResilientMetadata(target, method);
    return { ...descriptor, value: method.wrapper };
  }

  const decorator = (...a: unknown[]): unknown => {
    if (a.length === 2 && isMethodContext(a[1])) return standard(a[0], a[1]);
    const [target, key, descriptor] = a;
    if ((typeof target === 'object' || typeof target === 'function') && target !== null && (typeof key === 'string' || typeof key === 'symbol')) {
      return legacy(target, key, descriptor as PropertyDescriptor | undefined);
    }
    throw new TypeError('@Resilient: expected to decorate a class method (as a standard or an experimentalDecorators decorator)');
  };
  return decorator as ResilientDecorator<Args>;
}
