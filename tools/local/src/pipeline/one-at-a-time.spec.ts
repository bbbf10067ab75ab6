import { OneAtATime } from './one-at-a-time';

/** A step the test ends by hand, recording when it starts. */
function steps() {
  const log: string[] = [];
  const ends = new Map<string, () => void>();
  const overruns = new Map<string, () => void>();
  const step = (name: string) => (overran: () => void) =>
    new Promise<string>((resolve) => {
      log.push(`start ${name}`);
      overruns.set(name, overran);
      ends.set(name, () => resolve(name));
    });
  const turn = () => new Promise((r) => setTimeout(r, 5));
  return { log, step, turn, end: (n: string) => ends.get(n)?.(), overrun: (n: string) => overruns.get(n)?.() };
}

describe('OneAtATime', () => {
  it('runs steps one after another, in order, and passes each result and failure on', async () => {
    const queue = new OneAtATime();
    const s = steps();
    const a = queue.run(s.step('a'));
    const failed = queue.run(() => Promise.reject(new Error('encode failed')));
    const b = queue.run(s.step('b'));
    await s.turn();
    expect(s.log).toEqual(['start a']);
    s.end('a');
    await expect(a).resolves.toBe('a');
    await expect(failed).rejects.toThrow('encode failed');
    await s.turn();
    expect(s.log).toEqual(['start a', 'start b']);
    s.end('b');
    await expect(b).resolves.toBe('b');
  });

  it('starts the next step beside one that overran, and still hands the late result back', async () => {
    const queue = new OneAtATime();
    const s = steps();
    const a = queue.run(s.step('a'));
    const b = queue.run(s.step('b'));
    await s.turn();
    s.overrun('a');
    s.overrun('a'); // once is what counts
    await s.turn();
    expect(s.log).toEqual(['start a', 'start b']);
    expect(queue.overrunningNow).toBe(1);
    s.end('b');
    s.end('a');
    await expect(a).resolves.toBe('a');
    await expect(b).resolves.toBe('b');
    expect(queue.overrunningNow).toBe(0);
  });

  it('passes by one overrunning step at a time: a second that overruns beside it holds the queue until it ends', async () => {
    const queue = new OneAtATime();
    const s = steps();
    void queue.run(s.step('a'));
    void queue.run(s.step('b'));
    const c = queue.run(s.step('c'));
    await s.turn();
    s.overrun('a');
    await s.turn();
    s.overrun('b');
    await s.turn();
    expect(s.log).toEqual(['start a', 'start b']);
    expect(queue.overrunningNow).toBe(2);

    s.end('a');
    await s.turn();
    expect(s.log).toEqual(['start a', 'start b']);
    s.end('b');
    await s.turn();
    expect(s.log).toEqual(['start a', 'start b', 'start c']);
    s.end('c');
    await expect(c).resolves.toBe('c');
    expect(queue.overrunningNow).toBe(0);
  });
});
