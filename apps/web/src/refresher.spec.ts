import { createRefresher } from './refresher';

describe('createRefresher', () => {
  it('collapses requests made during a fetch into one more fetch, applied last', async () => {
    let version = 0;
    const releases: Array<() => void> = [];
    const load = jest.fn(
      (_key: string) =>
        new Promise<number>((resolve) => {
          const value = ++version;
          releases.push(() => resolve(value));
        }),
    );
    const applied: number[] = [];
    const refresher = createRefresher({ load, apply: (_key, value: number) => applied.push(value) });

    const first = refresher.request('img');
    void refresher.request('img');
    void refresher.request('img');
    expect(load).toHaveBeenCalledTimes(1);

    releases[0]?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(load).toHaveBeenCalledTimes(2);
    releases[1]?.();
    await first;

    expect(applied).toEqual([1, 2]);
    expect(refresher.inFlight).toBe(0);
  });

  it('fetches different keys independently', async () => {
    const load = jest.fn(async (key: string) => key.toUpperCase());
    const applied: string[] = [];
    const refresher = createRefresher({ load, apply: (_key, value: string) => applied.push(value) });

    await Promise.all([refresher.request('a'), refresher.request('b')]);

    expect(applied.sort()).toEqual(['A', 'B']);
  });

  it('reports a failed fetch and fetches again on the next request', async () => {
    const load = jest.fn().mockRejectedValueOnce(new Error('404')).mockResolvedValueOnce('ok');
    const onError = jest.fn();
    const apply = jest.fn();
    const refresher = createRefresher<string, string>({ load, apply, onError });

    await refresher.request('img');
    await refresher.request('img');

    expect(onError).toHaveBeenCalledWith('img', expect.objectContaining({ message: '404' }));
    expect(apply).toHaveBeenCalledWith('img', 'ok');
  });
});
