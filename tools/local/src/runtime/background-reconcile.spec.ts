import type { ReconcileStuckResult } from '@imgpipe/metadata';
import { ManualClock } from '@imgpipe/platform/testing';
import { startReconcileSweep } from './background-reconcile';

const nothing: ReconcileStuckResult = { redriven: [], timedOut: [], skipped: [], failed: [] };

describe('startReconcileSweep', () => {
  it('runs metadata\'s reconciler after recovery at the clock\'s time, then on its interval, never two at once, and stops', async () => {
    jest.useFakeTimers();
    try {
      const clock = new ManualClock('2025-06-01T12:00:00.000Z');
      const calls: string[] = [];
      let release: () => void = () => undefined;
      const reconcile = jest.fn(async ({ now }: { now: Date }) => {
        calls.push(now.toISOString());
        await new Promise<void>((resolve) => (release = resolve));
        return { ...nothing, timedOut: ['img-1'] };
      });
      let recovered: () => void = () => undefined;
      const after = new Promise<void>((resolve) => (recovered = resolve));
      const sweep = startReconcileSweep({ reconcile, clock, after, intervalMs: 1000 });

      await jest.advanceTimersByTimeAsync(5000);
      expect(calls).toEqual([]); // recovery is not done yet

      recovered();
      await jest.advanceTimersByTimeAsync(0);
      expect(calls).toEqual(['2025-06-01T12:00:00.000Z']);
      const shared = sweep.runNow(); // joins the run in progress
      await jest.advanceTimersByTimeAsync(3000);
      expect(calls).toHaveLength(1);
      release();
      await expect(shared).resolves.toEqual({ ...nothing, timedOut: ['img-1'] });

      clock.advance(60_000);
      await jest.advanceTimersByTimeAsync(1000);
      expect(calls).toEqual(['2025-06-01T12:00:00.000Z', '2025-06-01T12:01:00.000Z']);
      release();
      await sweep.stop();
      await jest.advanceTimersByTimeAsync(10_000);
      expect(calls).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses an interval that is not a positive number of ms', () => {
    expect(() => startReconcileSweep({ reconcile: async () => nothing, clock: new ManualClock(0), after: Promise.resolve(), intervalMs: 0 })).toThrow(RangeError);
  });
});
