import type { EventBridgeEvent } from 'aws-lambda';
import { imageHistoryContracts, ContractError, ImageUploadedV1, type EventBridgeEventShape } from '@imgpipe/contracts';
import { readStoredExamples } from '@imgpipe/contracts/artifacts';
import { projectImage } from '../projection';
import { inMemoryService, present, readSampleEvent } from '../testing/fixtures';
import { createOnPipelineEventHandler } from './on-pipeline-event.adapter';

/** A stored example's detail as a rule target receives it from `source`. */
function delivered(detailType: string, source: string, detail: unknown): EventBridgeEvent<string, unknown> {
  const { eventId, occurredAt } = detail as { eventId: string; occurredAt: string };
  const event: EventBridgeEventShape<string, unknown> = {
    version: '0',
    id: eventId,
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: occurredAt,
    region: 'eu-west-1',
    resources: [],
    detail,
  };
  return event;
}

// The consumer contract test: every stored example of every event version, from every
// source that may publish it, is accepted, stored as received and projected.
const cases = imageHistoryContracts.flatMap((contract) =>
  readStoredExamples(contract).flatMap((example) =>
    contract.sources.map((source) => [`${contract.id} ${example.name} from ${source}`, contract, source, example.detail] as const),
  ),
);

describe('onPipelineEvent over every stored example', () => {
  it('has stored examples of every contract to run over', () => {
    for (const contract of imageHistoryContracts) expect(readStoredExamples(contract).length).toBeGreaterThanOrEqual(2);
    expect(cases.length).toBeGreaterThanOrEqual(imageHistoryContracts.length * 2);
  });

  it.each(cases)('accepts %s', async (_name, contract, source, detail) => {
    const { service, events, readModel } = inMemoryService();
    const handler = createOnPipelineEventHandler(() => service);
    const imageId = (detail as { data: { imageId: string } }).data.imageId;

    const result = await handler(delivered(contract.detailType, source, detail));

    expect(result).toMatchObject({ imageId, detailType: contract.detailType, duplicate: false, revision: 1 });
    const history = await events.load(imageId);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ detailType: contract.detailType, source, detail });
    expect(await readModel.get(imageId)).toEqual(projectImage(history));
  });
});

describe('onPipelineEvent', () => {
  it('a redelivered event is stored once and changes nothing', async () => {
    const { service, events, readModel } = inMemoryService();
    const handler = createOnPipelineEventHandler(() => service);
    const event = readSampleEvent('on-pipeline-event') as EventBridgeEvent<string, unknown>;
    const first = await handler(event);
    const history = await events.load(first.imageId);
    const record = await readModel.get(first.imageId);

    const again = await handler(event);

    expect(again).toEqual({ ...first, duplicate: true });
    expect(await events.load(first.imageId)).toEqual(history);
    expect(await readModel.get(first.imageId)).toEqual(record);
  });

  it('refuses an event from a source its contract does not name, storing nothing', async () => {
    const { service, events } = inMemoryService();
    const handler = createOnPipelineEventHandler(() => service);
    const example = present(readStoredExamples(ImageUploadedV1)[0], 'stored example');
    const forged = delivered('ImageUploaded', 'imgpipe.thumbnail', example.detail);

    await expect(handler(forged)).rejects.toThrow(ContractError);
    expect(await events.load((example.detail as { data: { imageId: string } }).data.imageId)).toEqual([]);
  });

  it('refuses a detail its contract refuses, naming the field', async () => {
    const { service } = inMemoryService();
    const handler = createOnPipelineEventHandler(() => service);
    const example = present(readStoredExamples(ImageUploadedV1)[0], 'stored example');
    const detail = structuredClone(example.detail) as { data: { original: { size: unknown } } };
    detail.data.original.size = '12';

    await expect(handler(delivered('ImageUploaded', 'imgpipe.ingest', detail))).rejects.toThrow(
      'detail.data.original.size',
    );
  });

  it('keeps fields a newer producer added in the stored detail', async () => {
    const { service, events } = inMemoryService();
    const handler = createOnPipelineEventHandler(() => service);
    const example = present(readStoredExamples(ImageUploadedV1)[0], 'stored example');
    const detail = { ...(example.detail as object), traceHeader: 'Root=1-abc' };

    const { imageId } = await handler(delivered('ImageUploaded', 'imgpipe.ingest', detail));

    expect((await events.load(imageId))[0]?.detail).toEqual(detail);
  });
});
