import {
  createEnvelope,
  ImageDeletedV2,
  ImageProcessedV2,
  ImageVariantAddedV1,
  parseDetail,
  type ImageProcessedV2Data,
} from '@imgpipe/contracts';
import { buildDeliveryRecord } from '@imgpipe/delivery';
import { probe } from '@imgpipe/image-ops';
import { fixture, testImage } from '@imgpipe/image-ops/testing';
import type { ImageEventStore, NewImageEvent } from '@imgpipe/platform';
import { InMemoryImageEventStore, InMemoryObjectStore, RecordingEventPublisher } from '@imgpipe/platform/testing';
import { avifVariantEventId, createAddAvifVariant } from './add-avif-variant.use-case';
import { createCompressImage } from './compress-image.use-case';

const ORIGINALS = 'originals';
const PROCESSED = 'processed';
const USER = 'user-1';
const IMAGE = 'img-avif';
const PROCESSED_ID = '6f1c2b9e-8d7a-4c3b-9a1f-0e2d3c4b5a69';

const asNew = (detailType: string, envelope: { eventId: string; occurredAt: string }, source: string): NewImageEvent => ({
  eventId: envelope.eventId,
  source,
  detailType,
  occurredAt: envelope.occurredAt,
  detail: envelope as unknown as Record<string, unknown>,
});

/** A real compress run of the fixture photo and its recorded `ImageProcessed` v2 (WebP served, JPEG beside it). */
async function arrange(overrides: { servedBytes?: number; enabled?: boolean; events?: Pick<ImageEventStore, 'load'> } = {}) {
  const store = new InMemoryObjectStore();
  const events = new InMemoryImageEventStore();
  const publisher = new RecordingEventPublisher();
  const originalKey = `uploads/${USER}/${IMAGE}/photo.jpg`;
  const bytes = fixture('photo-480x320.jpg');
  await store.put({ bucket: ORIGINALS, key: originalKey, body: bytes, contentType: 'image/jpeg' });
  const compressed = await createCompressImage({ store, processedBucket: PROCESSED, originalsBucket: ORIGINALS, options: { formats: ['webp', 'jpeg'] } })({
    imageId: IMAGE,
    userId: USER,
    original: { bucket: ORIGINALS, key: originalKey, size: bytes.length, contentHash: 'etag:abc', contentType: 'image/jpeg', filename: 'photo.jpg' },
    format: 'jpeg',
    renditionsVersion: 'rs-000000000000',
    uploadedAt: '2026-12-01T10:00:00.000Z',
  });
  const [served] = compressed.variants;
  if (!served) throw new Error('no variant');
  const variants = compressed.variants.map((v) => (v === served && overrides.servedBytes !== undefined ? { ...v, size: overrides.servedBytes } : v));
  const delivery = buildDeliveryRecord({
    cdnBaseUrl: '/cdn',
    userId: USER,
    imageId: IMAGE,
    version: compressed.version,
    variants,
    renditions: [],
    served: { kind: 'encoded', format: served.format, savingsPercent: compressed.savingsPercent },
  });
  const data: ImageProcessedV2Data = {
    imageId: IMAGE,
    userId: USER,
    originalKey,
    compressedKey: compressed.compressedKey,
    // The contract wants 1+ thumbnails held by the record; this step does not read them.
    thumbnails: { small: compressed.compressedKey },
    originalSize: bytes.length,
    compressedSize: compressed.compressedSize,
    savingsPercent: compressed.savingsPercent,
    processingTimeMs: 10,
    width: compressed.width,
    height: compressed.height,
    format: 'jpeg',
    renditionsVersion: 'rs-000000000000',
    delivery,
  };
  const processed = createEnvelope(ImageProcessedV2, data, { eventId: PROCESSED_ID, correlationId: 'corr-1', occurredAt: '2026-12-01T10:00:02.000Z' });
  await events.append(IMAGE, 0, [asNew('ImageProcessed', processed, 'imgpipe.metadata')]);
  const addAvif = createAddAvifVariant({
    store,
    events: overrides.events ?? events,
    publisher,
    originalsBucket: ORIGINALS,
    processedBucket: PROCESSED,
    enabled: overrides.enabled ?? true,
    effort: 0,
    now: () => new Date('2026-12-01T10:00:05.000Z'),
  });
  return { store, events, publisher, processed, addAvif, version: compressed.version };
}

const avifKey = (version: string) => `compressed/${USER}/${IMAGE}/${version}/full.avif`;

async function deleteImage(events: InMemoryImageEventStore) {
  const deleted = createEnvelope(
    ImageDeletedV2,
    { imageId: IMAGE, userId: USER, deletedKeys: [], deletedAt: '2026-12-01T10:00:03.000Z', undoUntil: '2026-12-08T10:00:03.000Z' },
    { eventId: '0b5a3f2e-1c4d-4e6f-8a9b-7c6d5e4f3a2b', correlationId: 'corr-2', occurredAt: '2026-12-01T10:00:03.000Z' },
  );
  const history = await events.load(IMAGE);
  await events.append(IMAGE, history.length, [asNew('ImageDeleted', deleted, 'imgpipe.ingest')]);
}

describe('add AVIF variant (the follow-up step after ImageProcessed)', () => {
  it('writes full.avif under the run version, smaller than the served file, and publishes ImageVariantAdded with a deterministic id', async () => {
    const { store, publisher, processed, addAvif, version } = await arrange();

    const result = await addAvif(processed);

    expect(result.status).toBe('added');
    const stored = await store.get({ bucket: PROCESSED, key: avifKey(version) });
    expect(stored.contentType).toBe('image/avif');
    expect(await probe(stored.body)).toMatchObject({ format: 'avif', width: 480, height: 320 });
    expect(stored.size).toBeLessThan(processed.data.delivery.served.bytes);
    expect(publisher.published).toHaveLength(1);
    const [entry] = publisher.published;
    expect(entry).toMatchObject({ source: 'imgpipe.compress', detailType: 'ImageVariantAdded' });
    const event = parseDetail(ImageVariantAddedV1, entry?.detail);
    expect(event.eventId).toBe(avifVariantEventId(IMAGE, PROCESSED_ID));
    expect(event.correlationId).toBe('corr-1');
    expect(event.data).toMatchObject({ version, processedEventId: PROCESSED_ID, variant: { key: avifKey(version), format: 'avif', bytes: stored.size } });
    // Chosen by the perceptual search (the same SSIMULACRA2 target as WebP's).
    expect(event.data.variant.quality).toEqual(expect.any(Number));
    expect(event.data.variant.ssimulacra2).toEqual(expect.any(Number));
  });

  it('publishes the same event id for a redelivered ImageProcessed, and does nothing once it is recorded', async () => {
    const { events, publisher, processed, addAvif } = await arrange();
    await addAvif(processed);
    const [first] = publisher.published;
    const envelope = first?.detail as { eventId: string; occurredAt: string };
    await events.append(IMAGE, 1, [asNew('ImageVariantAdded', envelope, 'imgpipe.compress')]);

    const again = await addAvif(processed);

    expect(again).toEqual({ status: 'skipped', reason: 'already-added' });
    expect(publisher.published).toHaveLength(1);
  });

  it('adds nothing to a deleted image', async () => {
    const { store, events, publisher, processed, addAvif, version } = await arrange();
    await deleteImage(events);

    expect(await addAvif(processed)).toEqual({ status: 'skipped', reason: 'deleted' });
    expect(await store.head({ bucket: PROCESSED, key: avifKey(version) })).toBeUndefined();
    expect(publisher.published).toEqual([]);
  });

  it('adds nothing to a run the record no longer points at (reprocessed meanwhile)', async () => {
    const { store, events, publisher, processed, addAvif, version } = await arrange();
    const newer = createEnvelope(
      ImageProcessedV2,
      { ...processed.data, delivery: { ...processed.data.delivery, version: 'newer0000000' } },
      { eventId: '1b5a3f2e-1c4d-4e6f-8a9b-7c6d5e4f3a2b', correlationId: 'corr-3', occurredAt: '2026-12-01T10:01:00.000Z' },
    );
    await events.append(IMAGE, 1, [asNew('ImageProcessed', newer, 'imgpipe.metadata')]);

    expect(await addAvif(processed)).toEqual({ status: 'skipped', reason: 'reprocessed' });
    expect(await store.head({ bucket: PROCESSED, key: avifKey(version) })).toBeUndefined();
    expect(publisher.published).toEqual([]);
  });

  it('removes the file it wrote when a delete landed while it encoded', async () => {
    const real = new InMemoryImageEventStore();
    let loads = 0;
    const events: Pick<ImageEventStore, 'load'> = {
      load: async (imageId) => {
        loads += 1;
        if (loads === 2) await deleteImage(real);
        return real.load(imageId);
      },
    };
    const arranged = await arrange({ events });
    // The arranged history lives in the arranged store: copy it into the one the step reads.
    await real.append(IMAGE, 0, (await arranged.events.load(IMAGE)).map((e) => ({ eventId: e.eventId, source: e.source, detailType: e.detailType, occurredAt: e.occurredAt, detail: e.detail })));

    const result = await arranged.addAvif(arranged.processed);

    expect(result).toEqual({ status: 'skipped', reason: 'deleted', removedKey: avifKey(arranged.version) });
    expect(await arranged.store.head({ bucket: PROCESSED, key: avifKey(arranged.version) })).toBeUndefined();
    expect(arranged.publisher.published).toEqual([]);
  });

  it('skips an AVIF that is not smaller than the served file', async () => {
    const { store, publisher, processed, addAvif, version } = await arrange({ servedBytes: 100 });

    expect(await addAvif(processed)).toEqual({ status: 'skipped', reason: 'not-smaller' });
    expect(await store.head({ bucket: PROCESSED, key: avifKey(version) })).toBeUndefined();
    expect(publisher.published).toEqual([]);
  });

  it('skips an animated original (a still AVIF would hold its first frame only), writing nothing', async () => {
    const { store, publisher, processed, addAvif, version } = await arrange();
    // The same key now holds an animated GIF: the step reads the original anew.
    await store.put({ bucket: ORIGINALS, key: processed.data.originalKey, body: await testImage('gif-animated'), contentType: 'image/gif' });

    expect(await addAvif(processed)).toEqual({ status: 'skipped', reason: 'animated' });
    expect(await store.head({ bucket: PROCESSED, key: avifKey(version) })).toBeUndefined();
    expect(publisher.published).toEqual([]);
  });

  it('does nothing when AVIF_ENABLED is false', async () => {
    const { publisher, processed, addAvif } = await arrange({ enabled: false });

    expect(await addAvif(processed)).toEqual({ status: 'skipped', reason: 'disabled' });
    expect(publisher.published).toEqual([]);
  });
});

