import { StateMachine } from 'aws-local-stepfunctions';
import { exampleEnvelope, ImageUploadedV1, toEventBridgeEvent } from '@imgpipe/contracts';
import {
  placeholderSubstitutions,
  polyfillPromiseWithResolvers,
  renderPipelineDefinition,
  toLocalTaskHandlers,
  type ProcessTaskInput,
} from '@imgpipe/workflow';
import { PipelineRunner, type ExecutionOutcome } from './pipeline-runner';

polyfillPromiseWithResolvers();
const machine = new StateMachine(renderPipelineDefinition(placeholderSubstitutions()), { validationOptions: { noValidate: true } });

const input = (n: number) => toEventBridgeEvent(ImageUploadedV1, { ...exampleEnvelope(ImageUploadedV1, 'full'), eventId: `00000000-0000-4000-8000-00000000000${n}` });

interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}
function gate(): Gate {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** The pipeline with fake tasks; Compress waits for its image's gate. */
function harness(concurrency: number) {
  const gates = new Map<string, Gate>();
  const inCompress = new Set<string>();
  let maxInCompress = 0;
  const calls: string[] = [];
  let compressCalled = () => undefined as void;
  const taskHandlers = toLocalTaskHandlers({
    Compress: async (data) => {
      // The state machine hands each branch `{ uploaded, correlationId }` (ProcessTaskInput).
      const { imageId } = (data as ProcessTaskInput).uploaded;
      calls.push(imageId);
      inCompress.add(imageId);
      maxInCompress = Math.max(maxInCompress, inCompress.size);
      compressCalled();
      await gates.get(imageId)?.opened;
      inCompress.delete(imageId);
      return {};
    },
    Thumbnail: async () => ({}),
    RecordThumbnails: async () => ({}),
    RecordMetadata: async () => ({ source: 'imgpipe.metadata', detailType: 'ImageProcessed', detail: { ok: true } }),
    PublishProcessed: async () => ({ Entries: [{}], FailedEntryCount: 0 }),
    RecordFailure: async () => ({}),
  });
  const outcomes: ExecutionOutcome[] = [];
  const runner = new PipelineRunner({ machine, taskHandlers, concurrency, onSettled: (o) => outcomes.push(o) });
  return {
    runner,
    outcomes,
    calls,
    get maxInCompress() {
      return maxInCompress;
    },
    /** Submits image n (its Compress waits until `release(n)`). */
    submit(n: number) {
      const event = input(n);
      const imageId = `image-${n}`;
      gates.set(imageId, gate());
      return runner.submit(event.detail.eventId, { ...event, detail: { ...event.detail, data: { ...event.detail.data, imageId } } });
    },
    release(n: number) {
      gates.get(`image-${n}`)?.open();
    },
    /** Resolves once Compress has been called `count` times in all. */
    async compressCalls(count: number) {
      while (calls.length < count) await new Promise<void>((resolve) => (compressCalled = resolve));
    },
  };
}

describe('PipelineRunner', () => {
  it('runs at most `concurrency` executions at once; the rest wait in order and run later', async () => {
    const h = harness(2);
    for (let n = 1; n <= 5; n++) expect(h.submit(n)).toBe(true);

    await h.compressCalls(2);
    expect(h.runner.counts).toMatchObject({ running: 2, queued: 3 });
    expect(h.calls).toEqual(['image-1', 'image-2']);

    for (let n = 1; n <= 5; n++) h.release(n);
    await h.runner.idle();

    expect(h.calls).toEqual(['image-1', 'image-2', 'image-3', 'image-4', 'image-5']);
    expect(h.maxInCompress).toBe(2);
    expect(h.outcomes.map((o) => o.status)).toEqual(Array(5).fill('succeeded'));
    expect(h.runner.counts).toEqual({ queued: 0, running: 0, succeeded: 5, failed: 0 });
  });

  it('does not start an execution twice while one with the same key is queued or running', async () => {
    const h = harness(1);
    expect(h.submit(1)).toBe(true);
    expect(h.submit(2)).toBe(true);
    expect(h.submit(1)).toBe(false); // running
    expect(h.submit(2)).toBe(false); // queued
    h.release(1);
    h.release(2);
    await h.runner.idle();

    expect(h.calls).toEqual(['image-1', 'image-2']);
    // Once finished, the same key runs again (a redelivery, a replay).
    expect(h.submit(1)).toBe(true);
    h.release(1);
    await h.runner.idle();
    expect(h.calls).toEqual(['image-1', 'image-2', 'image-1']);
  });

  it('on stop, drops what is queued and aborts what outlives the grace period', async () => {
    const h = harness(1);
    h.submit(1);
    h.submit(2);
    await h.compressCalls(1);

    const abandoned = await h.runner.stop(0);

    expect(abandoned).toBe(2);
    expect(h.outcomes.map((o) => o.status)).toEqual(['aborted']);
    expect(h.submit(3)).toBe(false);
    h.release(1);
  });
});
