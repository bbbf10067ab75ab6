import { createEnvelope, FOLD_BOOKKEEPING, ImageProcessedV2, ImageUploadedV1, ThumbnailsGeneratedV3, type DataInputOf, type KnownContract } from '@imgpipe/contracts';
import type { ImageChange } from '@imgpipe/contracts/views';
import { EVENT_BUS_NAME, eventRules } from '@imgpipe/workflow';
import { toBusEvent, type BusEvent } from '../bus/bus-event';
import { LiveFigures } from './figures';

const metadataRule = eventRules({ originalsBucketName: 'originals' }).find((rule) => rule.target === 'metadata');

function event(detailType: string, replayName?: string): BusEvent {
  const made = toBusEvent({
    source: 'imgpipe.test',
    detailType,
    detail: { version: 1, eventId: `e-${detailType}`, correlationId: 'c', occurredAt: '2026-12-05T00:00:00.000Z', data: { imageId: 'img-1', userId: 'u-1' } },
  });
  return replayName === undefined ? made : { ...made, 'replay-name': replayName };
}

describe('live updates: when the owner is told an image changed', () => {
  let figures: LiveFigures;
  let told: string[];

  beforeEach(() => {
    figures = new LiveFigures();
    told = [];
    jest.spyOn(figures.hub, 'image').mockImplementation((_user, change) => void told.push(change.detailType));
  });
  afterEach(() => {
    figures.dispose();
    figures.hub.close();
  });

  const delivered = (e: BusEvent) => {
    if (!metadataRule) throw new Error('no rule to metadata');
    figures.delivered({ rule: metadataRule, event: e, attempts: 1 });
  };

  it.each(['ThumbnailsGenerated', 'ImageProcessed'])('tells of %s when the bus takes it (recorded before it was published), once', (detailType) => {
    const e = event(detailType);

    figures.onBusEvent(EVENT_BUS_NAME, e);
    expect(told).toEqual([detailType]);
    delivered(e);

    expect(told).toEqual([detailType]);
  });

  it('tells of any other event only once metadata has recorded it', () => {
    const e = event('ImageUploaded');

    figures.onBusEvent(EVENT_BUS_NAME, e);
    expect(told).toEqual([]);
    delivered(e);

    expect(told).toEqual(['ImageUploaded']);
  });

  it('tells of a replayed ThumbnailsGenerated only after metadata (a rebuild may not have recorded it)', () => {
    const e = event('ThumbnailsGenerated', 'replay-1');

    figures.onBusEvent(EVENT_BUS_NAME, e);
    expect(told).toEqual([]);
    delivered(e);

    expect(told).toEqual(['ThumbnailsGenerated']);
  });
});

describe('live updates: what the change carries', () => {
  let figures: LiveFigures;
  let told: ImageChange[];

  beforeEach(() => {
    figures = new LiveFigures();
    told = [];
    jest.spyOn(figures.hub, 'image').mockImplementation((_user, change) => void told.push(change));
  });
  afterEach(() => {
    figures.dispose();
    figures.hub.close();
  });

  // Contract-valid events of one image (the figures fold them with metadata's fold, which parses each).
  const imageId = ThumbnailsGeneratedV3.examples.minimal.imageId;
  const busEvent = <C extends KnownContract>(contract: C, data: DataInputOf<C>): BusEvent =>
    toBusEvent({
      source: contract.source,
      detailType: contract.detailType,
      detail: createEnvelope(contract, data, { correlationId: 'c', occurredAt: '2026-12-05T00:00:01.000Z' }),
    });
  // The contracts' minimal examples are all of one image (img_min of user-1).
  const uploaded = busEvent(ImageUploadedV1, ImageUploadedV1.examples.minimal);
  const thumbnails = busEvent(ThumbnailsGeneratedV3, ThumbnailsGeneratedV3.examples.minimal);
  const delivered = (e: BusEvent) => {
    if (!metadataRule) throw new Error('no rule to metadata');
    figures.delivered({ rule: metadataRule, event: e, attempts: 1 });
  };
  async function* emptyArchive(): AsyncGenerator<BusEvent> {
    // a first start: nothing archived
  }

  it('carries the record of a processing image as the read model holds it (its card, then its early renditions), so the page need not read it', async () => {
    await figures.loadArchive(emptyArchive());
    figures.onBusEvent(EVENT_BUS_NAME, uploaded);
    delivered(uploaded); // told once metadata recorded it
    figures.onBusEvent(EVENT_BUS_NAME, thumbnails); // told when the bus takes it

    const [rendition] = ThumbnailsGeneratedV3.examples.minimal.renditions;
    expect(told).toEqual([
      expect.objectContaining({ imageId, detailType: 'ImageUploaded', status: 'processing', image: expect.objectContaining({ imageId, status: 'processing' }) }),
      expect.objectContaining({
        imageId,
        detailType: 'ThumbnailsGenerated',
        image: expect.objectContaining({
          status: 'processing',
          thumbnails: { [rendition?.name ?? '']: rendition?.key },
          placeholder: ThumbnailsGeneratedV3.examples.minimal.placeholder,
        }),
      }),
    ]);
    expect(told[0]?.image).not.toHaveProperty('thumbnails');
    // The fold's bookkeeping is not the record's.
    for (const change of told) for (const key of FOLD_BOOKKEEPING) expect(change.image).not.toHaveProperty(key);
  });

  it('carries no record once the image is processed (the page reads the record and its delivery)', async () => {
    await figures.loadArchive(emptyArchive());
    figures.onBusEvent(EVENT_BUS_NAME, uploaded);
    figures.onBusEvent(EVENT_BUS_NAME, thumbnails);
    figures.onBusEvent(
      EVENT_BUS_NAME,
      busEvent(ImageProcessedV2, ImageProcessedV2.examples.minimal),
    );

    const last = told.at(-1);
    expect(last).toMatchObject({ detailType: 'ImageProcessed', status: 'processed' });
    expect(last).not.toHaveProperty('image');
  });

  it('carries no record of an event metadata failed to record (the read model never got it)', async () => {
    await figures.loadArchive(emptyArchive());
    figures.onBusEvent(EVENT_BUS_NAME, uploaded);
    if (!metadataRule) throw new Error('no rule to metadata');
    figures.delivered({ rule: metadataRule, event: uploaded, attempts: 3, error: new Error('metadata is down') });

    expect(told).toEqual([expect.objectContaining({ detailType: 'ImageUploaded' })]);
    expect(told[0]).not.toHaveProperty('image');
  });

  it('carries no record while the archive is still being folded (the fold may lag the read model)', () => {
    figures.onBusEvent(EVENT_BUS_NAME, uploaded);
    figures.onBusEvent(EVENT_BUS_NAME, thumbnails);

    expect(told).toEqual([expect.objectContaining({ detailType: 'ThumbnailsGenerated' })]);
    expect(told[0]).not.toHaveProperty('image');
  });
});
