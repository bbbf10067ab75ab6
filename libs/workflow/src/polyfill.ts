/** What `Promise.withResolvers` returns (ES2024). */
export interface PromiseWithResolvers<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T | PromiseLike<T>) => void;
  readonly reject: (reason?: unknown) => void;
}

type WithResolvers = <T>() => PromiseWithResolvers<T>;

/**
 * Installs `Promise.withResolvers` where the runtime lacks it (Node 20). aws-local-stepfunctions
 * 3 calls it in every Task state, so run this before the first execution. Does nothing on
 * Node 22 and later.
 */
export function polyfillPromiseWithResolvers(): void {
  const promise = Promise as PromiseConstructor & { withResolvers?: WithResolvers };
  if (typeof promise.withResolvers === 'function') return;
  const withResolvers: WithResolvers = <T>() => {
    let resolve: (value: T | PromiseLike<T>) => void = () => undefined;
    let reject: (reason?: unknown) => void = () => undefined;
    const created = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: created, resolve, reject };
  };
  Object.defineProperty(Promise, 'withResolvers', { value: withResolvers, configurable: true, writable: true });
}
