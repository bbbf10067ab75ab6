import { StateMachine } from 'aws-local-stepfunctions';
import { polyfillPromiseWithResolvers } from '@imgpipe/workflow';
import { FOLLOW_UP_MAX_PASSED, PipelineRunner } from './pipeline-runner';

polyfillPromiseWithResolvers();

/** One Task state, Compress, that waits until its image is released. */
const machine = new StateMachine(
  { StartAt: 'Compress', States: { Compress: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:compress', End: true } } },
  { validationOptions: { noValidate: true } },
);

function harness(concurrency: number) {
  const log: string[] = [];
  const releases = new Map<string, () => void>();
  const runner = new PipelineRunner({
    machine,
    concurrency,
    taskHandlers: {
      Compress: async (input) => {
        const { image } = input as { image: string };
        log.push(`execution ${image}`);
        await new Promise<void>((done) => releases.set(image, done));
        return {};
      },
    },
  });
  const until = async (entry: string) => {
    while (!log.includes(entry)) await new Promise((r) => setTimeout(r, 1));
  };
  const release = (image: string) => releases.get(image)?.();
  return { runner, log, until, release };
}

describe('PipelineRunner.followUp', () => {
  it('runs follow-up work in a free slot only, after the executions queued before it starts', async () => {
    const h = harness(1);
    h.runner.submit('a', { image: 'a' });
    await h.until('execution a');
    const followUp = h.runner.followUp(async () => {
      h.log.push('follow-up');
      return 'avif';
    });
    h.runner.submit('b', { image: 'b' });

    await new Promise((r) => setTimeout(r, 20));
    expect(h.log).toEqual(['execution a']);
    h.release('a');
    await h.until('execution b');
    expect(h.log).toEqual(['execution a', 'execution b']);
    h.release('b');

    await expect(followUp).resolves.toBe('avif');
    expect(h.log).toEqual(['execution a', 'execution b', 'follow-up']);
    await h.runner.idle();
  });

  it('holds executions while follow-up work fills the slots, and passes its failure on', async () => {
    const h = harness(1);
    let fail: (error: Error) => void = () => undefined;
    const failure = new Error('encode failed');
    const followUp = h.runner.followUp(() => new Promise((_, reject) => (fail = reject)));
    h.runner.submit('a', { image: 'a' });

    await new Promise((r) => setTimeout(r, 20));
    expect(h.log).toEqual([]);
    fail(failure);
    await expect(followUp).rejects.toBe(failure);
    await h.until('execution a');
    h.release('a');
    await h.runner.idle();
  });

  it('runs follow-up work alone, even with a slot free: after the running executions end, and before those submitted meanwhile', async () => {
    const h = harness(2);
    h.runner.submit('a', { image: 'a' });
    await h.until('execution a');
    let finish: () => void = () => undefined;
    const followUp = h.runner.followUp(async () => {
      h.log.push('follow-up');
      await new Promise<void>((done) => (finish = done));
      return 'avif';
    });

    await new Promise((r) => setTimeout(r, 20));
    expect(h.log).toEqual(['execution a']); // the second slot is free, but an execution runs
    h.release('a');
    await h.until('follow-up');
    h.runner.submit('b', { image: 'b' });
    h.runner.submit('c', { image: 'c' });
    await new Promise((r) => setTimeout(r, 20));
    expect(h.log).toEqual(['execution a', 'follow-up']); // b and c wait for it
    finish();

    await expect(followUp).resolves.toBe('avif');
    await h.until('execution c');
    expect(h.log).toEqual(['execution a', 'follow-up', 'execution b', 'execution c']); // then both slots again
    h.release('b');
    h.release('c');
    await h.runner.idle();
  });

  it('idle() waits for follow-up work and the executions it holds, and lets the event loop turn meanwhile', async () => {
    // Before, idle() looped on the running executions alone: with an execution held behind a
    // running follow-up that list is empty, the loop resolved at once forever, and the follow-up
    // (which needs the event loop, as the AVIF encode's callbacks do) never ended: this spec hung.
    const h = harness(1);
    const followUp = h.runner.followUp(async () => {
      await new Promise((r) => setTimeout(r, 20));
      h.log.push('follow-up');
      return 'avif';
    });
    h.runner.submit('a', { image: 'a' });
    const idle = h.runner.idle().then(() => h.log.push('idle'));

    await h.until('execution a');
    expect(h.log).toEqual(['follow-up', 'execution a']);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.log).not.toContain('idle'); // a still runs
    h.release('a');
    await idle;
    await expect(followUp).resolves.toBe('avif');
    expect(h.log).toEqual(['follow-up', 'execution a', 'idle']);
  });

  it('takes its turn once FOLLOW_UP_MAX_PASSED executions started ahead of it, so a stream of uploads cannot starve it', async () => {
    const h = harness(1);
    h.runner.submit('e0', { image: 'e0' });
    await h.until('execution e0');
    const followUp = h.runner.followUp(async () => {
      h.log.push('follow-up');
      return 'avif';
    });
    // A steady stream: one more upload queued whenever one starts, so the queue is never empty.
    const images = Array.from({ length: FOLLOW_UP_MAX_PASSED + 1 }, (_, i) => `e${i + 1}`);
    h.runner.submit(images[0] as string, { image: images[0] });
    for (let i = 0; i < FOLLOW_UP_MAX_PASSED; i += 1) {
      h.release(i === 0 ? 'e0' : (images[i - 1] as string));
      await h.until(`execution ${images[i]}`);
      h.runner.submit(images[i + 1] as string, { image: images[i + 1] });
    }
    expect(h.log).not.toContain('follow-up');
    h.release(images[FOLLOW_UP_MAX_PASSED - 1] as string);
    await expect(followUp).resolves.toBe('avif');
    // It ran before the next queued execution, which starts after it.
    expect(h.log.slice(-1)).toEqual(['follow-up']);
    await h.until(`execution ${images[FOLLOW_UP_MAX_PASSED]}`);
    expect(h.log.indexOf('follow-up')).toBe(FOLLOW_UP_MAX_PASSED + 1);
    h.release(images[FOLLOW_UP_MAX_PASSED] as string);
    await h.runner.idle();
  });

  it('refuses follow-up work still waiting when the runner stops, and any after', async () => {
    const h = harness(1);
    h.runner.submit('a', { image: 'a' });
    await h.until('execution a');
    const waiting = h.runner.followUp(async () => 'never');

    const stopped = h.runner.stop(50);
    await expect(waiting).rejects.toThrow(/stopped/);
    await expect(h.runner.followUp(async () => 'never')).rejects.toThrow(/stopping/);
    h.release('a');
    await stopped;
  });
  it('stops holding executions once a follow-up passes its holdMs, and idle() still waits for the work to end', async () => {
    const h = harness(1);
    let finish: () => void = () => undefined;
    let expired = 0;
    const followUp = h.runner.followUp(
      () =>
        new Promise<string>((resolve) => {
          h.log.push('follow-up');
          finish = () => resolve('late avif');
        }),
      // Long enough that a loaded machine's timers cannot pass it before the check just below (CI saw 30 ms pass).
      { holdMs: 250, onHoldExpired: () => (expired += 1) },
    );
    h.runner.submit('a', { image: 'a' });
    await h.until('follow-up');
    await new Promise((r) => setTimeout(r, 5));
    expect(h.log).toEqual(['follow-up']);

    // The hung follow-up no longer holds the queue: the execution starts beside it.
    await h.until('execution a');
    expect(expired).toBe(1);
    h.release('a');
    let idle = false;
    const idled = h.runner.idle().then(() => (idle = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(idle).toBe(false);

    finish();
    await expect(followUp).resolves.toBe('late avif');
    await idled;
    expect(expired).toBe(1);
  });

  it('calls no onHoldExpired for a follow-up that ends within its holdMs', async () => {
    const h = harness(1);
    let expired = 0;
    await expect(h.runner.followUp(async () => 'quick', { holdMs: 20, onHoldExpired: () => (expired += 1) })).resolves.toBe('quick');
    await new Promise((r) => setTimeout(r, 40));
    expect(expired).toBe(0);
    await h.runner.idle();
  });
});
