import {
  DEFAULT_UNDO_WINDOW_SECONDS,
  ImageDeletedV2,
  ImagePurgedV1,
  ImageRestoredV1,
  ImageUploadedV1,
  undoDeadline,
} from '@imgpipe/contracts';
import { foldHistory, projectImage } from './projection';
import {
  compressed,
  deletedEvent,
  failureEvent,
  historyOf,
  IMAGE_ID,
  newEvent,
  successfulRun,
  uploaded,
  USER_ID,
} from './testing/fixtures';

// Delete, undo and purge in the one fold: ImageDeleted is terminal for everything but a
// timely ImageRestored and ImagePurged.

const DELETED_AT = '2025-06-02T08:30:00.000Z';
const UNDO_UNTIL = '2025-06-09T08:30:00.000Z';

const deletedV2 = (deletedAt = DELETED_AT, undoUntil = UNDO_UNTIL) =>
  newEvent(ImageDeletedV2, { imageId: IMAGE_ID, userId: USER_ID, deletedKeys: [], deletedAt, undoUntil }, { occurredAt: deletedAt });
const restored = (restoredAt: string) =>
  newEvent(ImageRestoredV1, { imageId: IMAGE_ID, userId: USER_ID, restoredAt }, { occurredAt: restoredAt });
const purged = (purgedAt = '2025-06-09T09:00:00.000Z') =>
  newEvent(ImagePurgedV1, { imageId: IMAGE_ID, userId: USER_ID, purgedAt, purgedKeys: 2 }, { occurredAt: purgedAt });

describe('projectImage: a deleted image', () => {
  const [upload, compression, renditions, done] = successfulRun();

  it.each([
    ['ImageCompressed', [compression]],
    ['ThumbnailsGenerated', [renditions]],
    ['ImageProcessed', [done]],
    ['ImageProcessingFailed', [failureEvent()]],
    ['the whole run', [compression, renditions, done]],
    ['the same upload again', [newEvent(ImageUploadedV1, uploaded)]],
    ['a new upload', [newEvent(ImageUploadedV1, { ...uploaded, renditionsVersion: 'rs-new' })]],
    ['a second delete', [deletedV2('2025-06-03T00:00:00.000Z', '2025-06-10T00:00:00.000Z')]],
  ])('stays deleted when %s arrives after the delete', (_name, late) => {
    const record = projectImage(historyOf([upload, deletedV2(), ...late]));

    expect(record).toMatchObject({ status: 'deleted', deletedAt: DELETED_AT, undoUntil: UNDO_UNTIL, revision: 2 + late.length });
    expect(record).not.toHaveProperty('processingTimeMs');
    expect(record).not.toHaveProperty('failure');
  });

  it('reads a v1 delete (no undoUntil) as undoable for the configured window, by default 7 days', () => {
    const v1 = deletedEvent(DELETED_AT);

    expect(projectImage(historyOf([upload, v1]))?.undoUntil).toBe(undoDeadline(DELETED_AT, DEFAULT_UNDO_WINDOW_SECONDS));
    expect(projectImage(historyOf([upload, v1]), { undoWindowSeconds: 3600 })?.undoUntil).toBe('2025-06-02T09:30:00.000Z');
  });

  it('stays deleted, whatever order the array holds the history in (a rebuild reads it back in any order)', () => {
    const history = historyOf([upload, compression, deletedV2(), renditions, done]);

    expect(projectImage([...history].reverse())).toEqual(projectImage(history));
    expect(projectImage([...history].reverse())?.status).toBe('deleted');
  });
});

describe('projectImage: undo', () => {
  const [upload, compression, renditions, done] = successfulRun();

  it('a restore before undoUntil brings the image back to processing, without the delete', () => {
    const record = projectImage(historyOf([upload, compression, renditions, done, deletedV2(), restored('2025-06-03T10:00:00.000Z')]));

    expect(record).toMatchObject({ status: 'processing', originalKey: uploaded.original.key, updatedAt: '2025-06-03T10:00:00.000Z' });
    expect(record).not.toHaveProperty('deletedAt');
    expect(record).not.toHaveProperty('undoUntil');
  });

  it('after a restore the same upload and its processing apply again: the run ends processed', () => {
    const again = newEvent(ImageUploadedV1, uploaded, { occurredAt: '2025-06-03T10:00:01.000Z' });
    const processedAgain = newEvent(ImageUploadedV1, uploaded); // a redelivery after that changes nothing
    const history = historyOf([upload, deletedV2(), restored('2025-06-03T10:00:00.000Z'), again, compression, renditions, done, processedAgain]);

    const state = foldHistory(history);

    expect(state).toMatchObject({ status: 'processed', generation: 1, compressedKey: compressed.compressedKey });
    expect(projectImage(history)).not.toHaveProperty('generation');
  });

  it.each([
    ['at undoUntil', UNDO_UNTIL],
    ['after undoUntil', '2025-06-10T00:00:00.000Z'],
  ])('a restore %s changes nothing', (_name, restoredAt) => {
    const record = projectImage(historyOf([upload, deletedV2(), restored(restoredAt)]));

    expect(record).toMatchObject({ status: 'deleted', deletedAt: DELETED_AT, undoUntil: UNDO_UNTIL });
  });

  it('a restore of an image that is not deleted changes nothing', () => {
    const record = projectImage(historyOf([upload, compression, renditions, done, restored('2025-06-03T10:00:00.000Z')]));

    expect(record).toMatchObject({ status: 'processed' });
    expect(foldHistory(historyOf([upload, restored('2025-06-03T10:00:00.000Z')]))).not.toHaveProperty('generation');
  });

  it('a second delete after a restore is terminal again', () => {
    const second = deletedV2('2025-06-04T00:00:00.000Z', '2025-06-11T00:00:00.000Z');

    const record = projectImage(historyOf([upload, deletedV2(), restored('2025-06-03T10:00:00.000Z'), second, done]));

    expect(record).toMatchObject({ status: 'deleted', deletedAt: '2025-06-04T00:00:00.000Z', undoUntil: '2025-06-11T00:00:00.000Z' });
  });
});

describe('projectImage: purge', () => {
  const [upload, compression, renditions, done] = successfulRun();

  it('leaves a tombstone: key, owner and dates, nothing about the file or its outputs', () => {
    const record = projectImage(historyOf([upload, compression, renditions, done, deletedV2(), purged()]), { retentionDays: 30 });

    expect(record).toEqual({
      imageId: IMAGE_ID,
      userId: USER_ID,
      uploadedAt: uploaded.uploadedAt,
      status: 'deleted',
      deletedAt: DELETED_AT,
      undoUntil: UNDO_UNTIL,
      purgedAt: '2025-06-09T09:00:00.000Z',
      updatedAt: '2025-06-09T09:00:00.000Z',
      expiresAt: Date.parse('2025-07-01T12:00:00.000Z') / 1000,
      revision: 6,
    });
  });

  it('is final: a restore, a late run or a second purge after it change nothing but updatedAt', () => {
    const tombstone = projectImage(historyOf([upload, deletedV2(), purged()]));

    const after = projectImage(historyOf([upload, deletedV2(), purged(), restored('2025-06-05T00:00:00.000Z'), done, purged('2025-06-10T00:00:00.000Z')]));

    expect(after).toEqual({ ...tombstone, updatedAt: '2025-06-10T00:00:00.000Z', revision: 6 });
  });
});
