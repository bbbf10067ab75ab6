import { polyfillPromiseWithResolvers, type PromiseWithResolvers } from './polyfill';

type WithResolvers = <T>() => PromiseWithResolvers<T>;
const promise = Promise as unknown as { withResolvers?: WithResolvers };
/** Read through a call, so the `delete` below does not narrow it to undefined. */
const installed = (): WithResolvers | undefined => promise.withResolvers;

describe('polyfillPromiseWithResolvers', () => {
  const original = Object.getOwnPropertyDescriptor(Promise, 'withResolvers');
  afterEach(() => {
    if (original) Object.defineProperty(Promise, 'withResolvers', original);
    else delete promise.withResolvers;
  });

  it('installs a working Promise.withResolvers where there is none', async () => {
    delete promise.withResolvers;

    polyfillPromiseWithResolvers();
    const withResolvers = installed();
    if (!withResolvers) throw new Error('not installed');
    const resolved = withResolvers<number>();
    const rejected = withResolvers<number>();
    resolved.resolve(42);
    rejected.reject(new Error('no'));

    await expect(resolved.promise).resolves.toBe(42);
    await expect(rejected.promise).rejects.toThrow('no');
  });

  it('leaves a native one alone', () => {
    const native: WithResolvers = () => ({ promise: Promise.resolve(), resolve: () => undefined, reject: () => undefined }) as never;
    Object.defineProperty(Promise, 'withResolvers', { value: native, configurable: true, writable: true });

    polyfillPromiseWithResolvers();

    expect(installed()).toBe(native);
  });
});
