import type { HistoryEntry, ImageChange, ImageDetails, ImageView } from './api';
import { createCarriedRecords } from './carried-records';

const PLACEHOLDER = { thumbHash: 'AAgCBwAAAAAAAAAAAAAAAAAAAAA=', dominantColour: '#6b8fb3', aspectRatio: 1.3333 };
const CARD = 'thumbnails/u-1/img-1/v1/card.jpg';
const HISTORY: HistoryEntry[] = [{ sequence: 1, eventId: 'e1', detailType: 'ImageUploaded', source: 'imgpipe.ingest', occurredAt: '2026-12-06T00:00:00.000Z', data: {} }];

const record = (status: ImageView['status'], updatedAt: string, extra: Partial<ImageView> = {}): ImageView => ({
  imageId: 'img-1',
  userId: 'u-1',
  uploadedAt: '2026-12-06T00:00:00.000Z',
  status,
  updatedAt,
  ...extra,
});
const uploadedRecord = record('processing', '2026-12-06T00:00:00.100Z');
const thumbnailsRecord = record('processing', '2026-12-06T00:00:00.400Z', { thumbnails: { card: CARD }, placeholder: PLACEHOLDER });
const change = (detailType: string, image?: ImageView): ImageChange => ({ imageId: 'img-1', detailType, status: image?.status ?? 'processing', ...(image ? { image } : {}) });
const read = (image: ImageView | null, history: HistoryEntry[] = HISTORY): ImageDetails => ({ imageId: 'img-1', image, history });

describe('the record a live update carries (issue 13)', () => {
  it('shows the new card, then its early renditions, from the changes alone: no read needed first', () => {
    const carried = createCarriedRecords();

    expect(carried.fromChange(change('ImageUploaded', uploadedRecord))).toEqual({ imageId: 'img-1', image: uploadedRecord, history: [] });
    expect(carried.fromChange(change('ThumbnailsGenerated', thumbnailsRecord))?.image).toMatchObject({ thumbnails: { card: CARD }, placeholder: PLACEHOLDER });
  });

  it('keeps the history of the last read beside a carried record', () => {
    const carried = createCarriedRecords();
    carried.merge(read(uploadedRecord));

    expect(carried.fromChange(change('ThumbnailsGenerated', thumbnailsRecord))?.history).toEqual(HISTORY);
  });

  it('keeps the carried record over the answer of a read that started before the change (no step back to the bare placeholder)', () => {
    const carried = createCarriedRecords();
    carried.fromChange(change('ThumbnailsGenerated', thumbnailsRecord));

    expect(carried.merge(read(uploadedRecord))).toEqual(read(thumbnailsRecord));
    expect(carried.merge(read(null))).toEqual(read(thumbnailsRecord)); // not projected yet, as that read saw it
  });

  it('lets the read decide once it has caught up, and once the image has ended', () => {
    const carried = createCarriedRecords();
    carried.fromChange(change('ThumbnailsGenerated', thumbnailsRecord));
    const caughtUp = record('processing', '2026-12-06T00:00:00.400Z', { thumbnails: { card: CARD, small: 'thumbnails/u-1/img-1/v1/small.jpg' } });
    expect(carried.merge(read(caughtUp)).image).toEqual(caughtUp);

    carried.fromChange(change('ThumbnailsGenerated', thumbnailsRecord));
    // A read that started before the change, whatever it says (the delete an undo just reversed):
    expect(carried.merge(read(record('deleted', '2026-12-06T00:00:00.300Z'))).image).toEqual(thumbnailsRecord);
    const deleted = record('deleted', '2026-12-06T00:00:00.500Z');
    // A later delete answers for itself, whatever the carried record says.
    expect(carried.merge(read(deleted)).image).toEqual(deleted);
    // Ended: a later answer of no record is shown as it is.
    expect(carried.merge(read(null)).image).toBeNull();
  });

  it('carries nothing for a change without a record, of an image not processing, or naming another image', () => {
    const carried = createCarriedRecords();
    expect(carried.fromChange(change('ImageUploaded'))).toBeUndefined();
    expect(carried.fromChange(change('ImageProcessed', record('processed', '2026-12-06T00:00:02.000Z')))).toBeUndefined();
    expect(carried.fromChange({ ...change('ImageUploaded', uploadedRecord), imageId: 'img-2' })).toBeUndefined();
  });
});
