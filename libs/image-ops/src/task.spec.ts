import type { Writable } from 'node:stream';
import { ImageUploadedV1, type ImageUploadedData } from '@imgpipe/contracts';
import { InvalidImageError } from './errors';
import { createImageTaskHandler } from './task';

/*
 * The one wrapper of compress and thumbnail (`@imgpipe/image-ops/task`): what both Parallel
 * branches rely on — the contract on the input, the stage in every failure, an invalid image
 * classified and never retried, the use case built once, and the image on the done line.
 */

const uploaded = ImageUploadedV1.data.parse(ImageUploadedV1.examples.full);
const CORRELATION_ID = 'corr-image-task-1';

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('createImageTaskHandler', () => {
  it('refuses a payload that is not the task input as InvalidEvent, naming its stage', async () => {
    const start = jest.fn(() => async () => 'never');
    const task = createImageTaskHandler({ stage: 'thumbnail', doneMessage: 'done', start });
    const error = await failureOf(task({ uploaded: { imageId: '../../etc' } }));
    expect(error.name).toBe('InvalidEvent');
    expect(JSON.parse(error.message)).toMatchObject({ code: 'INVALID_EVENT', stage: 'thumbnail' });
    expect(start).not.toHaveBeenCalled();
  });

  it("classifies image-ops' InvalidImageError as InvalidImage with its code and the stage", async () => {
    const task = createImageTaskHandler({
      stage: 'compress',
      doneMessage: 'done',
      start: () => async () => {
        throw new InvalidImageError('CORRUPT', 'the JPEG ends before its first scan');
      },
    });
    const error = await failureOf(task({ uploaded, correlationId: CORRELATION_ID }));
    expect(error.name).toBe('InvalidImage');
    expect(JSON.parse(error.message)).toEqual({ code: 'CORRUPT', reason: 'the JPEG ends before its first scan', stage: 'compress' });
  });

  it('keeps a transient error retryable (its own name) and still names the stage', async () => {
    const task = createImageTaskHandler({
      stage: 'thumbnail',
      doneMessage: 'done',
      start: () => async () => {
        throw Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError' });
      },
    });
    const error = await failureOf(task({ uploaded, correlationId: CORRELATION_ID }));
    expect(error.name).toBe('InternalError');
    expect(JSON.parse(error.message)).toMatchObject({ stage: 'thumbnail' });
  });

  it('builds the use case once per cold start and logs the done line with the image and the run', async () => {
    const seen: ImageUploadedData[] = [];
    const start = jest.fn(() => async (input: ImageUploadedData) => {
      seen.push(input);
      return { imageId: input.imageId };
    });
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => {
      lines.push(String(chunk));
      return true;
    };
    const spies = [process.stdout, process.stderr].map((s: Writable) => jest.spyOn(s, 'write').mockImplementation(capture));
    try {
      const task = createImageTaskHandler({ stage: 'compress', doneMessage: 'image compressed', start });
      await expect(task({ uploaded, correlationId: CORRELATION_ID })).resolves.toEqual({ imageId: uploaded.imageId });
      await task({ uploaded, correlationId: CORRELATION_ID });
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    expect(start).toHaveBeenCalledTimes(1);
    expect(seen).toHaveLength(2);
    const done = lines
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('image compressed'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(done).toHaveLength(2);
    expect(done[0]).toMatchObject({ imageId: uploaded.imageId, correlationId: CORRELATION_ID });
    expect(typeof done[0]?.['ms']).toBe('number');
  });
});
