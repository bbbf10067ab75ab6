import { ImageProcessedV2, ImageProcessingFailedV1, parseDetail } from '@imgpipe/contracts';
import { parseTaskFailure, TaskError } from '@imgpipe/platform';
import { IMAGE_ID, inMemoryService, readSampleEvent, recorded } from '../testing/fixtures';
import { createRebuildReadModelHandler } from './rebuild-read-model.adapter';
import { createRecordFailureHandler } from './record-failure.adapter';
import { createRecordMetadataHandler } from './record-metadata.adapter';

describe('the state machine task handlers', () => {
  it('RecordMetadata takes the sample input and returns the PutEvents parts of ImageProcessed', async () => {
    const { service } = inMemoryService();
    const handler = createRecordMetadataHandler(() => service);

    const output = recorded(await handler(readSampleEvent('record-metadata')));

    expect(Object.keys(output).sort()).toEqual(['detail', 'detailType', 'source']);
    expect(output).toMatchObject({ source: 'imgpipe.metadata', detailType: 'ImageProcessed' });
    expect(parseDetail(ImageProcessedV2, JSON.parse(JSON.stringify(output.detail)))).toEqual(output.detail);
  });

  it('RecordFailure takes the sample input and returns the published ImageProcessingFailed', async () => {
    const { service, publisher } = inMemoryService();
    const handler = createRecordFailureHandler(() => service);

    const output = recorded(await handler(readSampleEvent('record-failure')));

    expect(parseDetail(ImageProcessingFailedV1, output.detail).data).toMatchObject({ imageId: IMAGE_ID, code: 'CORRUPT' });
    expect(publisher.published).toEqual([output]);
  });

  it('a malformed input is InvalidEvent naming the field, which RecordFailure then records', async () => {
    const { service } = inMemoryService();
    const record = createRecordMetadataHandler(() => service);
    const recordFailure = createRecordFailureHandler(() => service);
    const sample = readSampleEvent('record-metadata') as { uploaded: unknown; results: unknown[] };

    const error = (await record({ ...sample, results: [sample.results[0]] }).catch((e: unknown) => e)) as TaskError;

    expect(error).toBeInstanceOf(TaskError);
    expect(error.name).toBe('InvalidEvent');
    expect(error.reason).toContain('results');
    expect(parseTaskFailure(error.name, JSON.stringify({ errorType: error.name, errorMessage: error.message }))).toMatchObject({
      code: 'INVALID_EVENT',
      retryable: false,
    });
    const failed = recorded(await recordFailure({
      uploaded: sample.uploaded,
      error: { Error: error.name, Cause: JSON.stringify({ errorType: error.name, errorMessage: error.message }) },
      stage: 'record',
    }));
    expect(failed.detail.data).toMatchObject({ code: 'INVALID_EVENT', stage: 'record', retryable: false });
  });

  it('the rebuild handler takes the sample input', async () => {
    const { service } = inMemoryService();
    await createRecordMetadataHandler(() => service)(readSampleEvent('record-metadata'));

    await expect(createRebuildReadModelHandler(() => service)(readSampleEvent('rebuild-read-model'))).resolves.toEqual({
      imageId: IMAGE_ID,
      outcome: 'unchanged',
      revision: 4,
    });
  });
});
