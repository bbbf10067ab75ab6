import { z } from 'zod';
import { TaskError, parseTaskFailure } from '../task-error';
import { createTaskHandler, type ClassifiedInputError } from './task-handler';

class BadPicture extends Error implements ClassifiedInputError {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
const isBadPicture = (e: unknown): e is BadPicture => e instanceof BadPicture;
const input = z.object({ imageId: z.string().min(1) });

describe('createTaskHandler', () => {
  it('parses the input, builds the use case once and returns its result', async () => {
    const coldStart = jest.fn(() => async (i: { imageId: string }) => `done ${i.imageId}`);
    const handler = createTaskHandler({ input, coldStart, stage: null });

    await expect(handler({ imageId: 'a' })).resolves.toBe('done a');
    await expect(handler({ imageId: 'b' })).resolves.toBe('done b');
    expect(coldStart).toHaveBeenCalledTimes(1);
  });

  it('refuses a malformed payload as InvalidEvent naming the field, before any cold start', async () => {
    const coldStart = jest.fn(() => async () => 'never');
    const handler = createTaskHandler({ input, coldStart, stage: null });

    const error = await handler({ imageId: 42 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).name).toBe('InvalidEvent');
    expect((error as TaskError).reason).toContain('imageId');
    expect(coldStart).not.toHaveBeenCalled();
  });

  it('maps the domain invalid-input error to InvalidImage with its code and reason', async () => {
    const handler = createTaskHandler({
      input,
      coldStart: () => async () => {
        throw new BadPicture('CORRUPT', 'the JPEG data ends early');
      },
      isInvalidInput: isBadPicture,
      stage: 'compress',
    });

    const error = (await handler({ imageId: 'a' }).catch((e: unknown) => e)) as TaskError;
    expect(error.name).toBe('InvalidImage');
    // What a Step Functions Catch would hand to the failure recorder:
    const cause = JSON.stringify({ errorType: error.name, errorMessage: error.message });
    expect(parseTaskFailure(error.name, cause)).toEqual({
      errorName: 'InvalidImage',
      code: 'CORRUPT',
      reason: 'the JPEG data ends early',
      stage: 'compress',
      retryable: false,
    });
  });

  it('keeps the name of any other error, so it is retried as transient, and adds the stage', async () => {
    const boom = new TypeError('socket hang up');
    const handler = createTaskHandler({
      input,
      stage: 'thumbnail',
      coldStart: () => async () => {
        throw boom;
      },
    });

    const error = (await handler({ imageId: 'a' }).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('TypeError');
    expect(error.cause).toBe(boom);
    const cause = JSON.stringify({ errorType: error.name, errorMessage: error.message });
    expect(parseTaskFailure(error.name, cause)).toEqual({
      errorName: 'TypeError',
      code: 'TRANSIENT_EXHAUSTED',
      reason: 'socket hang up',
      stage: 'thumbnail',
      retryable: true,
    });
  });

  it('lets any other error through unchanged when the task is no pipeline stage (stage null)', async () => {
    const boom = new Error('socket hang up');
    const handler = createTaskHandler({
      input,
      stage: null,
      coldStart: () => async () => {
        throw boom;
      },
      isInvalidInput: isBadPicture,
    });
    await expect(handler({ imageId: 'a' })).rejects.toBe(boom);
  });
});

describe('parseTaskFailure', () => {
  it('reads an unknown cause as a retryable failure that keeps the text', () => {
    expect(parseTaskFailure('Lambda.ServiceException', 'Service unavailable')).toEqual({
      errorName: 'Lambda.ServiceException',
      code: 'TRANSIENT_EXHAUSTED',
      reason: 'Service unavailable',
      retryable: true,
    });
  });

  it('classifies a timed-out step as TIMED_OUT, keeping the text', () => {
    expect(parseTaskFailure('States.Timeout', 'Task timed out after 30 s')).toEqual({
      errorName: 'States.Timeout',
      code: 'TIMED_OUT',
      reason: 'Task timed out after 30 s',
      retryable: true,
    });
    expect(parseTaskFailure('Sandbox.Timedout', undefined)).toMatchObject({ code: 'TIMED_OUT', retryable: true });
  });

  it('reads a Lambda cause document whose message is not structured', () => {
    const cause = JSON.stringify({ errorType: 'Error', errorMessage: 'out of memory', trace: [] });
    expect(parseTaskFailure('Error', cause)).toMatchObject({ code: 'TRANSIENT_EXHAUSTED', reason: 'out of memory' });
  });
});
