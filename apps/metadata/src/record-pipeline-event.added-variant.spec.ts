import { ImageVariantAddedV1, type ImageVariantAddedData } from '@imgpipe/contracts';
import type { NewImageEvent } from '@imgpipe/platform';
import { BUCKETS, deletedEvent, IMAGE_ID, inMemoryService, newEvent, processed, successfulRun, USER_ID } from './testing/fixtures';

/*
 * The bus consumer and the AVIF step's event: a variant is recorded for the run the record is
 * on, and never for a deleted image — the step checks before it publishes, but a delete can
 * land in between, so the consumer decides again on the history it appends to.
 */

const avifKey = (version: string) => `compressed/${USER_ID}/${IMAGE_ID}/${version}/full.avif`;

function added(version: string = processed.delivery.version): NewImageEvent {
  const data: ImageVariantAddedData = ImageVariantAddedV1.data.parse(ImageVariantAddedV1.examples.full);
  return newEvent(ImageVariantAddedV1, { ...data, imageId: IMAGE_ID, userId: USER_ID, version, variant: { ...data.variant, key: avifKey(version) } });
}

/** As EventBridge delivers it to the metadata rule's target. */
const onBus = (event: NewImageEvent) => ({ source: event.source, 'detail-type': event.detailType, detail: event.detail });

async function setUp(history: readonly NewImageEvent[], version: string) {
  const ports = inMemoryService();
  await ports.service.appendAndProject(IMAGE_ID, history);
  await ports.store.put({ bucket: BUCKETS.processed, key: avifKey(version), body: new Uint8Array([1, 2, 3]), contentType: 'image/avif' });
  return ports;
}

describe('recordPipelineEvent: ImageVariantAdded', () => {
  it('records the variant of the run the record is on, and keeps its file', async () => {
    const { service, store, events } = await setUp(successfulRun(), processed.delivery.version);

    const result = await service.recordPipelineEvent(onBus(added()));

    expect(result.discarded).toBeUndefined();
    expect(result.record?.delivery?.formats).toContain('avif');
    expect((await events.load(IMAGE_ID)).map((e) => e.detailType)).toContain('ImageVariantAdded');
    expect(await store.head({ bucket: BUCKETS.processed, key: avifKey(processed.delivery.version) })).toBeDefined();
  });

  it('after a delete: not recorded, and the file the step wrote meanwhile is removed', async () => {
    const { service, store, events } = await setUp([...successfulRun(), deletedEvent()], processed.delivery.version);

    const result = await service.recordPipelineEvent(onBus(added()));

    expect(result.discarded).toBe(true);
    expect(result.record?.status).toBe('deleted');
    expect((await events.load(IMAGE_ID)).map((e) => e.detailType)).not.toContain('ImageVariantAdded');
    expect(await store.head({ bucket: BUCKETS.processed, key: avifKey(processed.delivery.version) })).toBeUndefined();
  });

  it('for a run the record has left (a reprocess): not recorded, its file removed', async () => {
    const { service, store, events } = await setUp(successfulRun(), 'another0run1');

    const result = await service.recordPipelineEvent(onBus(added('another0run1')));

    expect(result.discarded).toBe(true);
    expect((await events.load(IMAGE_ID)).map((e) => e.detailType)).not.toContain('ImageVariantAdded');
    expect(await store.head({ bucket: BUCKETS.processed, key: avifKey('another0run1') })).toBeUndefined();
  });

  it('a redelivery of a recorded variant stays a duplicate, even after a later delete', async () => {
    const { service, store } = await setUp(successfulRun(), processed.delivery.version);
    const event = added();
    await service.recordPipelineEvent(onBus(event));
    await service.appendAndProject(IMAGE_ID, [deletedEvent()]);

    const again = await service.recordPipelineEvent(onBus(event));

    expect(again).toMatchObject({ duplicate: true });
    expect(again.discarded).toBeUndefined();
    // Removing the files of a deleted image is the delete's work, not a redelivery's.
    expect(await store.head({ bucket: BUCKETS.processed, key: avifKey(processed.delivery.version) })).toBeDefined();
  });
});
