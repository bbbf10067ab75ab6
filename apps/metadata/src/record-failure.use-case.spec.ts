import { ImageProcessingFailedV1, parseEventBridgeEvent, toEventBridgeEvent } from '@imgpipe/contracts';
import { TaskError, type EventPublisher } from '@imgpipe/platform';
import { MetadataError } from './errors';
import { RecordFailureTaskInputSchema as RecordFailureInputSchema, type RecordFailureTaskInput as RecordFailureInput } from '@imgpipe/workflow/task-io';
import { DEFAULT_FAILURE_STAGE } from './record-failure.use-case';
import { IMAGE_ID, inMemoryService, readSampleEvent, recorded, uploaded } from './testing/fixtures';

/** What a Step Functions Catch delivers for an error a Lambda task threw. */
function caught(error: Error): RecordFailureInput['error'] {
  return {
    Error: error.name,
    Cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [`${error.name}: at handler`] }),
  };
}

describe('recordFailure (the recordFailure task)', () => {
  it('records an InvalidImage with its code and reason, not retryable', async () => {
    const { service, events, readModel } = inMemoryService();
    const error = caught(new TaskError('InvalidImage', 'TOO_MANY_PIXELS', 'The image has 200000000 pixels; at most 100000000.'));

    const result = recorded(await service.recordFailure({ uploaded, error, stage: 'thumbnail' }));

    expect(result.detail.data).toEqual({
      imageId: IMAGE_ID,
      userId: uploaded.userId,
      originalKey: uploaded.original.key,
      stage: 'thumbnail',
      code: 'TOO_MANY_PIXELS',
      errorName: 'InvalidImage',
      reason: 'The image has 200000000 pixels; at most 100000000.',
      retryable: false,
    });
    expect((await events.load(IMAGE_ID)).map((e) => [e.detailType, e.source])).toEqual([
      ['ImageUploaded', 'imgpipe.ingest'],
      ['ImageProcessingFailed', 'imgpipe.metadata'],
    ]);
    expect(await readModel.get(IMAGE_ID)).toMatchObject({
      status: 'failed',
      failure: { code: 'TOO_MANY_PIXELS', stage: 'thumbnail', reason: 'The image has 200000000 pixels; at most 100000000.' },
    });
  });

  it('takes the stage from the task that threw over the stage the Catch guessed', async () => {
    const { service } = inMemoryService();
    const error = caught(new TaskError('InvalidImage', 'CORRUPT', 'The JPEG data ends early.', { stage: 'thumbnail' }));

    const { detail } = recorded(await service.recordFailure({ uploaded, error, stage: 'compress' }));

    expect(detail.data).toMatchObject({ stage: 'thumbnail', code: 'CORRUPT' });
  });

  it('a step that timed out is TIMED_OUT and retryable', async () => {
    const { service } = inMemoryService();

    const { detail } = recorded(await service.recordFailure({ uploaded, error: { Error: 'States.Timeout', Cause: 'Task timed out after 60.00 seconds' } }));

    expect(detail.data).toMatchObject({
      stage: DEFAULT_FAILURE_STAGE,
      code: 'TIMED_OUT',
      errorName: 'States.Timeout',
      reason: 'Task timed out after 60.00 seconds',
      retryable: true,
    });
  });

  it('a malformed task input (InvalidEvent) is INVALID_EVENT and not retryable', async () => {
    const { service } = inMemoryService();
    const error = caught(new TaskError('InvalidEvent', 'INVALID_EVENT', 'task input does not match its contract: results: Required'));

    const { detail } = recorded(await service.recordFailure({ uploaded, error, stage: 'record' }));

    expect(detail.data).toMatchObject({ code: 'INVALID_EVENT', errorName: 'InvalidEvent', retryable: false, stage: 'record' });
  });

  it('makes any error fit the contract: no control characters, a bounded reason, a valid error name', async () => {
    const { service } = inMemoryService();

    const { detail } = recorded(await service.recordFailure({
      uploaded,
      error: { Error: 'Weird error name!', Cause: `\u001b[31mboom\u0000${'x'.repeat(5000)}` },
    }));

    expect(detail.data.errorName).toBe('Error');
    expect(detail.data.reason).toMatch(/^\[31mboom ?x+$/);
    expect(detail.data.reason.length).toBeLessThanOrEqual(2000);
    expect(() => ImageProcessingFailedV1.detail.parse(detail)).not.toThrow();
  });

  it('publishes the recorded event to the bus as imgpipe.metadata, as the contract describes it', async () => {
    const { service, publisher } = inMemoryService();

    const result = recorded(await service.recordFailure({ uploaded, error: { Error: 'States.Timeout' }, correlationId: 'corr-run-1' }));

    expect(publisher.published).toHaveLength(1);
    const [entry] = publisher.published;
    expect(entry).toEqual({ source: 'imgpipe.metadata', detailType: 'ImageProcessingFailed', detail: result.detail });
    const delivered = toEventBridgeEvent(ImageProcessingFailedV1, result.detail, { source: 'imgpipe.metadata' });
    expect(parseEventBridgeEvent(ImageProcessingFailedV1, delivered)).toEqual(result.detail);
    expect(result.detail.correlationId).toBe('corr-run-1');
  });

  it('a retried task records once and publishes the same event again (consumers deduplicate on its id)', async () => {
    const { service, events, publisher, clock, metrics } = inMemoryService();
    const input = { uploaded, error: { Error: 'States.Timeout' } };
    const first = recorded(await service.recordFailure(input));
    clock.advance(5000);

    const retry = recorded(await service.recordFailure(input));

    expect(retry.recorded).toBe(false);
    expect(retry.detail).toEqual(first.detail);
    expect(await events.load(IMAGE_ID)).toHaveLength(2);
    expect(publisher.published.map((e) => (e.detail as { eventId: string }).eventId)).toEqual([
      first.detail.eventId,
      first.detail.eventId,
    ]);
    expect(metrics.failed).toEqual(['TIMED_OUT']);
  });

  it('fails retryably when the bus refuses the event, which stays recorded', async () => {
    const refusing: EventPublisher = {
      publish: async (entries) => ({
        published: [],
        failed: entries.map((entry) => ({ entry, errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' })),
      }),
    };
    const { service, events } = inMemoryService({ publisher: refusing });

    const error = await service.recordFailure({ uploaded, error: { Error: 'States.Timeout' } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MetadataError);
    expect(error).toMatchObject({ code: 'PublishFailed', retryable: true });
    expect((await events.load(IMAGE_ID)).map((e) => e.detailType)).toContain('ImageProcessingFailed');
  });

  it('accepts the sample input events/record-failure.json and reads its classification back', async () => {
    const { service } = inMemoryService();
    const sample = RecordFailureInputSchema.parse(readSampleEvent('record-failure'));

    const { detail } = recorded(await service.recordFailure(sample));

    expect(detail.data).toMatchObject({ code: 'CORRUPT', errorName: 'InvalidImage', stage: 'compress', retryable: false });
  });
});
