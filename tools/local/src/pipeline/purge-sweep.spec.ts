import { startPurgeSweep, type PurgeSweepResult } from './purge-sweep';

const nothing: PurgeSweepResult = { purged: [], skipped: [], failed: [] };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startPurgeSweep', () => {
  it('sweeps first when recovery settles, then every interval, and never after stop()', async () => {
    let sweeps = 0;
    let recover: () => void = () => undefined;
    const after = new Promise<void>((resolve) => (recover = resolve));
    const sweep = startPurgeSweep({ purge: async () => (sweeps += 1, nothing), intervalMs: 20, after });

    await sleep(50);
    expect(sweeps).toBe(0);
    recover();
    await sleep(5);
    expect(sweeps).toBe(1);
    await sleep(70);
    expect(sweeps).toBeGreaterThanOrEqual(3);

    await sweep.stop();
    const stoppedAt = sweeps;
    await sleep(60);
    expect(sweeps).toBe(stoppedAt);
  });

  it('also sweeps after a failed recovery, and keeps sweeping after a failed sweep', async () => {
    let calls = 0;
    const sweep = startPurgeSweep({
      purge: async () => {
        calls += 1;
        if (calls === 1) throw new Error('table unavailable');
        return nothing;
      },
      intervalMs: 10,
      after: Promise.reject(new Error('recovery failed')),
    });

    await sleep(60);
    await sweep.stop();

    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('never runs two sweeps at once: runNow() during a sweep shares its result, and stop() waits for it', async () => {
    let running = 0;
    let most = 0;
    let finished = 0;
    const sweep = startPurgeSweep({
      purge: async () => {
        running += 1;
        most = Math.max(most, running);
        await sleep(30);
        running -= 1;
        finished += 1;
        return { purged: [{ imageId: 'img-1', purgedKeys: 1 }], skipped: [], failed: [] };
      },
      intervalMs: 60_000,
      after: new Promise<void>(() => undefined),
    });

    const [a, b] = await Promise.all([sweep.runNow(), sweep.runNow()]);
    const third = sweep.runNow();
    await sweep.stop();

    expect(a).toBe(b);
    expect(most).toBe(1);
    expect(finished).toBe(2);
    await expect(third).resolves.toMatchObject({ purged: [{ imageId: 'img-1' }] });
  });

  it('refuses an interval that is no positive whole number of ms', () => {
    for (const intervalMs of [0, -1, 1.5]) {
      expect(() => startPurgeSweep({ purge: async () => nothing, intervalMs, after: Promise.resolve() })).toThrow(RangeError);
    }
  });
});
