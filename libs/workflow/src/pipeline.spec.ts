import { StateMachine } from 'aws-local-stepfunctions';
import {
  exampleEnvelope,
  ImageCompressedV2,
  ImageProcessedV2,
  ImageProcessingFailedV1,
  ImageUploadedV1,
  parseDetail,
  ThumbnailsGeneratedV2,
  toEventBridgeEvent,
} from '@imgpipe/contracts';
import { parseTaskFailure, TaskError, type EventPublisher, type PublishResult } from '@imgpipe/platform';
import { RecordingEventPublisher } from '@imgpipe/platform/testing';
import { loadPipelineDefinition, placeholderSubstitutions, renderPipelineDefinition, type PipelineTaskState } from './asl';
import { toLocalTaskHandlers, type LocalTask } from './local-tasks';
import { polyfillPromiseWithResolvers } from './polyfill';
import { createPutEventsTask } from './put-events-task';
import { EVENT_BUS_NAME } from './rules';
import {
  BranchFailureSchema,
  DiscardedRunTaskOutputSchema,
  ProcessTaskInputSchema,
  RecordFailureTaskInputSchema,
  RecordMetadataTaskInputSchema,
  RecordMetadataTaskOutputSchema,
  RecordThumbnailsTaskInputSchema,
  type PipelineInput,
} from './task-io';

// aws-local-stepfunctions 3 calls Promise.withResolvers in every Task state; Node 20 lacks it.
polyfillPromiseWithResolvers();

const TASK_STATES: readonly PipelineTaskState[] = [
  'Compress',
  'Thumbnail',
  'RecordThumbnails',
  'RecordMetadata',
  'PublishProcessed',
  'RecordFailure',
];

const uploadedEnvelope = exampleEnvelope(ImageUploadedV1, 'full');
const input: PipelineInput = toEventBridgeEvent(ImageUploadedV1, uploadedEnvelope);
const thumbnails = ThumbnailsGeneratedV2.examples.full;
// Compress says the rendition set it read; RecordMetadata joins the two shares of one set only.
const compressed = { ...ImageCompressedV2.examples.full, renditionsVersion: thumbnails.renditionsVersion };
const processed = {
  source: ImageProcessedV2.source,
  detailType: ImageProcessedV2.detailType,
  detail: exampleEnvelope(ImageProcessedV2, 'full'),
};
const failed = {
  source: 'imgpipe.metadata',
  detailType: ImageProcessingFailedV1.detailType,
  detail: exampleEnvelope(ImageProcessingFailedV1, 'full'),
};

/** A transient failure: any error that is not a classified TaskError. */
class SlowDown extends Error {
  override readonly name = 'SlowDown';
}

/** What Step Functions reports when Lambda refused the invoke (the function is at its concurrency limit). */
class LambdaRefusal extends Error {
  override readonly name = 'Lambda.TooManyRequestsException';
}

/** A publisher whose bus refuses every entry. */
class RefusingPublisher implements EventPublisher {
  async publish(entries: Parameters<EventPublisher['publish']>[0]): Promise<PublishResult> {
    return {
      published: [],
      failed: entries.map((entry) => ({ entry, errorCode: 'InternalFailure', errorMessage: 'try again' })),
    };
  }
}

// Constructing validates the definition (about a second); executions are independent.
const machine = new StateMachine(renderPipelineDefinition(placeholderSubstitutions()));

interface Run {
  readonly calls: Readonly<Record<PipelineTaskState, unknown[]>>;
  readonly published: RecordingEventPublisher['published'];
  readonly output?: unknown;
  readonly error?: Error & { cause?: unknown };
}

/**
 * Runs the definition with fake tasks (the happy path unless overridden), counting every
 * call. Retry pauses are overridden to 0 ms unless `realRetryPauses` is set.
 */
async function runPipeline(
  overrides: Partial<Record<PipelineTaskState, LocalTask>> = {},
  options: { publisher?: EventPublisher } = {},
): Promise<Run> {
  const recording = new RecordingEventPublisher();
  const calls = Object.fromEntries(TASK_STATES.map((s) => [s, [] as unknown[]])) as Record<
    PipelineTaskState,
    unknown[]
  >;
  const tasks: Record<PipelineTaskState, LocalTask> = {
    Compress: async () => compressed,
    Thumbnail: async () => thumbnails,
    RecordThumbnails: async () => ({ recorded: true }),
    RecordMetadata: async () => ({ ...processed, record: { status: 'processed' }, recorded: true }),
    PublishProcessed: createPutEventsTask(options.publisher ?? recording, { eventBusName: EVENT_BUS_NAME }),
    RecordFailure: async () => failed,
    ...overrides,
  };
  const counted = Object.fromEntries(
    TASK_STATES.map((state) => [
      state,
      async (taskInput: unknown) => {
        calls[state].push(taskInput);
        return tasks[state](taskInput);
      },
    ]),
  ) as Record<PipelineTaskState, LocalTask>;

  const execution = machine.run(JSON.parse(JSON.stringify(input)) as Parameters<StateMachine['run']>[0], {
    overrides: {
      taskResourceLocalHandlers: toLocalTaskHandlers(counted),
      retryIntervalOverrides: Object.fromEntries(TASK_STATES.map((s) => [s, 0])),
    },
  });
  try {
    return { calls, published: recording.published, output: await execution.result };
  } catch (error) {
    return { calls, published: recording.published, error: error as Error };
  }
}

function throwing(error: () => Error): LocalTask {
  return async () => {
    throw error();
  };
}

describe('pipeline.asl.json on aws-local-stepfunctions', () => {
  it('runs Compress and Thumbnail on the ImageUploaded data and the run correlation id, records both results and publishes ImageProcessed', async () => {
    const run = await runPipeline();

    expect(run.error).toBeUndefined();
    const taskInput = { uploaded: uploadedEnvelope.data, correlationId: uploadedEnvelope.correlationId };
    expect(run.calls.Compress).toEqual([taskInput]);
    expect(run.calls.Thumbnail).toEqual([taskInput]);
    expect(ProcessTaskInputSchema.parse(run.calls.Compress[0])).toEqual(taskInput);
    expect(run.calls.RecordFailure).toEqual([]);
  });

  it('records the thumbnails inside their branch, before RecordMetadata: RecordThumbnails gets { uploaded, thumbnails, correlationId } in the shape it parses', async () => {
    const order: string[] = [];
    const run = await runPipeline({
      Compress: async () => {
        // The full-size encode is the slow part: the thumbnails are recorded while it runs.
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push('Compress');
        return compressed;
      },
      RecordThumbnails: async () => {
        order.push('RecordThumbnails');
        return { recorded: true };
      },
    });

    expect(run.error).toBeUndefined();
    expect(order).toEqual(['RecordThumbnails', 'Compress']);
    expect(run.calls.RecordThumbnails).toHaveLength(1);
    expect(RecordThumbnailsTaskInputSchema.parse(run.calls.RecordThumbnails[0])).toEqual({
      uploaded: uploadedEnvelope.data,
      thumbnails: ThumbnailsGeneratedV2.data.parse(thumbnails),
      correlationId: uploadedEnvelope.correlationId,
    });
    expect(Object.keys(run.calls.RecordThumbnails[0] as object).sort()).toEqual(['correlationId', 'thumbnails', 'uploaded']);
  });

  it('still records the image when RecordThumbnails fails (best effort): the branch ends with the thumbnails, RecordMetadata records them, nothing is a failure', async () => {
    const run = await runPipeline({ RecordThumbnails: throwing(() => new SlowDown('table busy')) });

    expect(run.error).toBeUndefined();
    expect(run.calls.RecordThumbnails).toHaveLength(1); // not retried: RecordMetadata records them anyway
    expect(run.calls.RecordFailure).toEqual([]);
    expect(RecordMetadataTaskInputSchema.parse(run.calls.RecordMetadata[0]).results[1]).toEqual(ThumbnailsGeneratedV2.data.parse(thumbnails));
    expect(RecordMetadataTaskOutputSchema.parse(run.output)).toEqual(processed);
  });

  it('does not run RecordThumbnails when Thumbnail failed: the branch still names its stage', async () => {
    const run = await runPipeline({ Thumbnail: throwing(() => new TaskError('InvalidImage', 'CORRUPT', 'thumbnail: bad data')) });

    expect(run.calls.RecordThumbnails).toEqual([]);
    expect(RecordFailureTaskInputSchema.parse(run.calls.RecordFailure[0])).toMatchObject({ stage: 'thumbnail' });
  });

  it('hands RecordMetadata { uploaded, results: [compressed, thumbnails], correlationId } in the shape the record task parses', async () => {
    const run = await runPipeline();

    expect(run.calls.RecordMetadata).toHaveLength(1);
    const recordInput = RecordMetadataTaskInputSchema.parse(run.calls.RecordMetadata[0]);
    expect(recordInput).toEqual({
      uploaded: uploadedEnvelope.data,
      results: [ImageCompressedV2.data.parse(compressed), ThumbnailsGeneratedV2.data.parse(thumbnails)],
      correlationId: uploadedEnvelope.correlationId,
    });
    // Nothing else travels: the record task gets exactly these three fields.
    expect(Object.keys(run.calls.RecordMetadata[0] as object).sort()).toEqual(['correlationId', 'results', 'uploaded']);
  });

  it('puts the recorded ImageProcessed on the imgpipe bus, detail intact, and ends with it as the output', async () => {
    const run = await runPipeline();

    expect(run.published).toHaveLength(1);
    const [entry] = run.published;
    expect(entry?.source).toBe('imgpipe.metadata');
    expect(entry?.detailType).toBe('ImageProcessed');
    expect(parseDetail(ImageProcessedV2, entry?.detail)).toEqual(processed.detail);
    // The ProcessedEvent Pass state keeps the event and drops what the task returns besides it.
    expect(run.output).toEqual(processed);
    expect(RecordMetadataTaskOutputSchema.parse(run.output)).toEqual(processed);
  });

  it('puts a detail whose strings hold quotes, backslashes and newlines on the bus intact (the local interpreter strips backslashes from intrinsic results)', async () => {
    const detail = { ...processed.detail, markup: '<picture>\n  <source type="image/webp" srcset="a\\b.webp 64w">\n</picture>' };

    const run = await runPipeline({ RecordMetadata: async () => ({ ...processed, detail }) });

    expect(run.error).toBeUndefined();
    expect(run.published.map((entry) => entry.detail)).toEqual([detail]);
  });

  it('ends a run RecordMetadata discarded (the image was deleted meanwhile) as a success, publishing nothing', async () => {
    const discarded = { discarded: true, reason: 'ImageDeleted' };

    const run = await runPipeline({ RecordMetadata: async () => discarded });

    expect(run.error).toBeUndefined();
    expect(run.published).toEqual([]);
    expect(run.calls.PublishProcessed).toEqual([]);
    expect(run.calls.RecordFailure).toEqual([]);
    expect(DiscardedRunTaskOutputSchema.parse(run.output)).toEqual(discarded);
  });

  it('does not retry an InvalidImage from Compress: RecordFailure gets it, readable by parseTaskFailure, and the run ends ImageRejected, a success (an outcome, not an incident)', async () => {
    const reason = 'The JPEG data ends before the image does (truncated upload?).';

    const run = await runPipeline({ Compress: throwing(() => new TaskError('InvalidImage', 'CORRUPT', reason)) });

    expect(run.calls.Compress).toHaveLength(1);
    expect(run.calls.RecordMetadata).toEqual([]);
    expect(run.calls.PublishProcessed).toEqual([]);
    expect(run.calls.RecordFailure).toHaveLength(1);
    const failure = RecordFailureTaskInputSchema.parse(run.calls.RecordFailure[0]);
    expect(failure).toMatchObject({
      uploaded: uploadedEnvelope.data,
      stage: 'compress',
      correlationId: uploadedEnvelope.correlationId,
      error: { Error: 'InvalidImage' },
    });
    expect(parseTaskFailure(failure.error.Error, failure.error.Cause)).toEqual({
      errorName: 'InvalidImage',
      code: 'CORRUPT',
      reason,
      retryable: false,
    });
    expect(run.error).toBeUndefined();
    expect(run.output).toMatchObject({ Error: 'InvalidImage' });
  });

  it('does not retry an InvalidEvent either', async () => {
    const run = await runPipeline({
      Thumbnail: throwing(() => new TaskError('InvalidEvent', 'INVALID_EVENT', 'task input does not match its contract')),
    });

    expect(run.calls.Thumbnail).toHaveLength(1);
    const failure = RecordFailureTaskInputSchema.parse(run.calls.RecordFailure[0]);
    expect(parseTaskFailure(failure.error.Error, failure.error.Cause)).toMatchObject({
      code: 'INVALID_EVENT',
      retryable: false,
    });
    // A contract mismatch is the platform's bug: the run fails, and the failed-executions alarm counts it.
    expect((run.error?.cause as Error).name).toBe('InvalidEvent');
  });

  it('retries a transient error and carries on when the retry succeeds', async () => {
    let attempts = 0;
    const run = await runPipeline({
      Compress: async () => {
        attempts += 1;
        if (attempts === 1) throw new SlowDown('S3 asked to slow down');
        return compressed;
      },
    });

    expect(run.error).toBeUndefined();
    expect(run.calls.Compress).toHaveLength(2);
    expect(run.calls.RecordFailure).toEqual([]);
    expect(run.published).toHaveLength(1);
  });

  it('gives up on an unclassified error after 1 retry (2 attempts) and records a retryable TRANSIENT_EXHAUSTED failure', async () => {
    const run = await runPipeline({ Thumbnail: throwing(() => new SlowDown('S3 asked to slow down')) });

    expect(run.calls.Thumbnail).toHaveLength(2);
    expect(run.calls.RecordMetadata).toEqual([]);
    expect(run.calls.RecordFailure).toHaveLength(1);
    const failure = RecordFailureTaskInputSchema.parse(run.calls.RecordFailure[0]);
    expect(failure.error.Error).toBe('SlowDown');
    expect(parseTaskFailure(failure.error.Error, failure.error.Cause)).toEqual({
      errorName: 'SlowDown',
      code: 'TRANSIENT_EXHAUSTED',
      reason: 'S3 asked to slow down',
      retryable: true,
    });
    expect((run.error?.cause as Error).name).toBe('SlowDown');
  });

  it('names the failed branch itself: a thumbnail error with no stage in its cause (a Lambda crash) is recorded under stage thumbnail, compress having succeeded', async () => {
    const run = await runPipeline({ Thumbnail: throwing(() => Object.assign(new Error('Runtime exited with error: signal: killed'), { name: 'Runtime.ExitError' })) });

    expect(run.calls.Compress).toHaveLength(1);
    expect(run.calls.RecordMetadata).toEqual([]);
    const failure = RecordFailureTaskInputSchema.parse(run.calls.RecordFailure[0]);
    expect(failure).toMatchObject({
      uploaded: uploadedEnvelope.data,
      stage: 'thumbnail',
      correlationId: uploadedEnvelope.correlationId,
      error: { Error: 'Runtime.ExitError' },
    });
    // Only what RecordFailure reads travels on (no branch results).
    expect(Object.keys(run.calls.RecordFailure[0] as object).sort()).toEqual(['correlationId', 'error', 'stage', 'uploaded']);
    expect((run.error?.cause as Error).name).toBe('Runtime.ExitError');
  });

  it('records compress’s failure when both branches fail (the first branch), whichever failed first', async () => {
    const run = await runPipeline({
      Compress: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new TaskError('InvalidImage', 'CORRUPT', 'compress: bad data');
      },
      Thumbnail: throwing(() => new TaskError('InvalidImage', 'CORRUPT', 'thumbnail: bad data')),
    });

    const failure = RecordFailureTaskInputSchema.parse(run.calls.RecordFailure[0]);
    expect(run.calls.RecordFailure).toHaveLength(1);
    expect(failure.stage).toBe('compress');
    expect(parseTaskFailure(failure.error.Error, failure.error.Cause).reason).toBe('compress: bad data');
    expect(run.output).toMatchObject({ Error: 'InvalidImage' });
  });

  it('ends a failed branch with BranchFailureSchema’s shape: its stage next to the caught error', () => {
    const branches = (loadPipelineDefinition().States as Record<string, { Branches?: { StartAt: string; States: Record<string, unknown> }[] }>)[
      'ProcessImage'
    ]?.Branches;
    for (const [index, stage] of (['compress', 'thumbnail'] as const).entries()) {
      const branch = branches?.[index];
      const task = branch?.States[branch.StartAt] as { Catch: { Next: string }[] };
      const caught = branch?.States[task.Catch[0]?.Next ?? ''] as { Parameters: { failed: Record<string, string> } };
      // What the Pass state builds, with a caught error where its path points.
      const built = { failed: { stage: caught.Parameters.failed['stage'], error: { Error: 'States.Timeout', Cause: 'late' } } };
      expect(BranchFailureSchema.parse(built).failed.stage).toBe(stage);
      expect(caught.Parameters.failed).toEqual({ stage, 'error.$': '$.error' });
    }
  });

  it('records a RecordMetadata failure under stage record', async () => {
    const run = await runPipeline({ RecordMetadata: throwing(() => new SlowDown('table busy')) });

    expect(run.calls.RecordMetadata).toHaveLength(2);
    expect(run.calls.PublishProcessed).toEqual([]);
    expect(RecordFailureTaskInputSchema.parse(run.calls.RecordFailure[0]).stage).toBe('record');
  });

  it('retries a refused PutEvents entry (EventBridge.FailedEntry) and records it under stage notify', async () => {
    const run = await runPipeline({}, { publisher: new RefusingPublisher() });

    expect(run.calls.PublishProcessed).toHaveLength(3);
    const failure = RecordFailureTaskInputSchema.parse(run.calls.RecordFailure[0]);
    expect(failure.stage).toBe('notify');
    expect(failure.error.Error).toBe('EventBridge.FailedEntry');
  });

  it('ends in FailureNotRecorded, a failure of its own name, when recording the failure keeps failing (even for an InvalidImage)', async () => {
    const run = await runPipeline({
      Compress: throwing(() => new TaskError('InvalidImage', 'CORRUPT', 'bad')),
      RecordFailure: throwing(() => new SlowDown('table busy')),
    });

    expect(run.calls.RecordFailure).toHaveLength(2);
    expect((run.error?.cause as Error).name).toBe('FailureNotRecorded');
  });

  it('rides out Lambda throttling: Compress refused 5 times (Lambda.TooManyRequestsException) then run, the image ends processed', async () => {
    let refusals = 0;
    const run = await runPipeline({
      Compress: async () => {
        if (refusals < 5) {
          refusals += 1;
          throw new LambdaRefusal('Rate Exceeded.');
        }
        return compressed;
      },
    });

    expect(run.error).toBeUndefined();
    expect(run.calls.Compress).toHaveLength(6);
    expect(run.calls.RecordFailure).toEqual([]);
    expect(run.published.map((e) => e.detailType)).toEqual(['ImageProcessed']);
    expect(RecordMetadataTaskOutputSchema.parse(run.output)).toEqual(processed);
  });

  it('retries a Lambda service error (Lambda.ServiceException) too', async () => {
    let failures = 0;
    const run = await runPipeline({
      RecordMetadata: async () => {
        if (failures++ === 0) throw Object.assign(new Error('internal'), { name: 'Lambda.ServiceException' });
        return processed;
      },
    });

    expect(run.error).toBeUndefined();
    expect(run.calls.RecordMetadata).toHaveLength(2);
  });
});

describe('on a fake clock', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  const happyTasks = {
    Compress: async () => compressed,
    Thumbnail: async () => thumbnails,
    RecordThumbnails: async () => ({ recorded: true }),
    RecordMetadata: async () => processed,
    PublishProcessed: async () => ({ Entries: [{}], FailedEntryCount: 0 }),
    RecordFailure: async () => failed,
  };

  it('backs off a throttled task 1, 2, 4, 8, 8, 8 s at most (full jitter, capped at MaxDelaySeconds 8), then gives up', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.99999999); // full jitter at its largest draw: the cap
    let attempts = 0;
    const handlers = toLocalTaskHandlers({
      ...happyTasks,
      Compress: async () => {
        attempts += 1;
        throw new LambdaRefusal('Rate Exceeded.');
      },
    });
    const execution = machine.run(JSON.parse(JSON.stringify(input)) as Parameters<StateMachine['run']>[0], {
      overrides: { taskResourceLocalHandlers: handlers },
    });
    const settled = execution.result.catch((error: unknown) => error);

    const attemptsAfter = async (ms: number) => {
      await jest.advanceTimersByTimeAsync(ms);
      return attempts;
    };
    expect(await attemptsAfter(0)).toBe(1);
    for (const [n, wait] of [1, 2, 4, 8, 8, 8].entries()) {
      expect(await attemptsAfter(wait * 1000 - 1)).toBe(n + 1);
      expect(await attemptsAfter(1)).toBe(n + 2);
    }
    expect(await attemptsAfter(60_000)).toBe(7);
    expect(((await settled) as Error & { cause: Error }).cause.name).toBe('Lambda.TooManyRequestsException');
  });

  it('does not retry a task that times out: after Compress’s TimeoutSeconds (25 s) RecordFailure gets States.Timeout under stage compress, and the run fails', async () => {
    let compressCalls = 0;
    const recordFailure: unknown[] = [];
    const handlers = toLocalTaskHandlers({
      ...happyTasks,
      Compress: () => {
        compressCalls += 1;
        return new Promise(() => undefined); // never answers
      },
      RecordFailure: async (taskInput) => {
        recordFailure.push(taskInput);
        return failed;
      },
    });
    const execution = machine.run(JSON.parse(JSON.stringify(input)) as Parameters<StateMachine['run']>[0], {
      overrides: { taskResourceLocalHandlers: handlers },
    });
    const settled = execution.result.catch((error: unknown) => error);

    await jest.advanceTimersByTimeAsync(24_999);
    expect(recordFailure).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(compressCalls).toBe(1);
    expect(recordFailure).toHaveLength(1);
    const failure = RecordFailureTaskInputSchema.parse(recordFailure[0]);
    expect(failure).toMatchObject({ stage: 'compress', error: { Error: 'States.Timeout' } });
    // What metadata's recordFailure records: a classified TIMED_OUT.
    expect(parseTaskFailure(failure.error.Error, failure.error.Cause)).toMatchObject({ errorName: 'States.Timeout', code: 'TIMED_OUT', retryable: true });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(compressCalls).toBe(1);
    expect(((await settled) as Error & { cause: Error }).cause.name).toBe('States.Timeout');
  });

  it('records a Thumbnail timeout (no cause written) under stage thumbnail, compress having succeeded', async () => {
    const recordFailure: unknown[] = [];
    const handlers = toLocalTaskHandlers({
      ...happyTasks,
      Thumbnail: () => new Promise(() => undefined), // never answers
      RecordFailure: async (taskInput) => {
        recordFailure.push(taskInput);
        return failed;
      },
    });
    const execution = machine.run(JSON.parse(JSON.stringify(input)) as Parameters<StateMachine['run']>[0], {
      overrides: { taskResourceLocalHandlers: handlers },
    });
    const settled = execution.result.catch((error: unknown) => error);

    await jest.advanceTimersByTimeAsync(25_000);
    expect(recordFailure).toHaveLength(1);
    const failure = RecordFailureTaskInputSchema.parse(recordFailure[0]);
    expect(failure).toMatchObject({ stage: 'thumbnail', correlationId: uploadedEnvelope.correlationId, error: { Error: 'States.Timeout' } });
    expect(parseTaskFailure(failure.error.Error, failure.error.Cause)).toMatchObject({ code: 'TIMED_OUT', retryable: true });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(((await settled) as Error & { cause: Error }).cause.name).toBe('States.Timeout');
  });
});
