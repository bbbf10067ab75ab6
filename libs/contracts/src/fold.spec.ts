import type { DataInputOf } from './contract';
import { createEnvelope } from './envelope';
import { deterministicUuid } from './examples';
import { ImageCompressedV1 } from './events/image-compressed.contract';
import { ImageDeletedV1, ImageDeletedV2 } from './events/image-deleted.contract';
import { ImageProcessedV1, ImageProcessedV2 } from './events/image-processed.contract';
import { ImageProcessingFailedV1 } from './events/image-processing-failed.contract';
import { ImagePurgedV1 } from './events/image-purged.contract';
import { ImageRestoredV1 } from './events/image-restored.contract';
import { ImageUploadedV1 } from './events/image-uploaded.contract';
import { ThumbnailsGeneratedV3 } from './events/thumbnails-generated.contract';
import { FOLD_DECISION_KEYS, foldImageEvent, parseStoredEvent, pickFoldState, type ImageFoldState, type PipelineEvent } from './fold';
import type { FailureStage } from './events/image-processing-failed.contract';
import type { KnownContract } from './registry';

// A settled image (not `processing`) folded from its FOLD_DECISION_KEYS only must decide every
// later event as the fold of its whole state does.

const imageId = 'img-1';
const userId = 'user-1';
const originalKey = `uploads/${userId}/${imageId}/a.png`;

let n = 0;
const event = <C extends KnownContract>(contract: C, data: DataInputOf<C>): PipelineEvent => {
  n += 1;
  const detail = createEnvelope(contract, data, {
    eventId: deterministicUuid(`fold.spec/${n}`),
    correlationId: `corr-${n}`,
    occurredAt: new Date(Date.UTC(2025, 5, 1, 12) + n * 1000).toISOString(),
  });
  return parseStoredEvent({ detailType: contract.detailType, detail: detail as unknown as Record<string, unknown> });
};

const uploaded = (contentHash = 'etag:"upload-1"', renditionsVersion = 'r1') =>
  event(ImageUploadedV1, {
    ...ImageUploadedV1.examples.minimal,
    imageId,
    userId,
    original: { ...ImageUploadedV1.examples.minimal.original, key: originalKey, contentHash },
    renditionsVersion,
  });
const compressed = () => event(ImageCompressedV1, { ...ImageCompressedV1.examples.minimal, imageId, userId, originalKey });
const thumbnails = () => event(ThumbnailsGeneratedV3, { ...ThumbnailsGeneratedV3.examples.full, imageId, userId });
const processed = () => event(ImageProcessedV1, { ...ImageProcessedV1.examples.minimal, imageId, userId, originalKey });
const processedV2 = () => event(ImageProcessedV2, { ...ImageProcessedV2.examples.full, imageId, userId });
const failed = (stage: FailureStage) =>
  event(ImageProcessingFailedV1, { ...ImageProcessingFailedV1.examples.minimal, imageId, userId, originalKey, stage, code: 'CORRUPT' });
const deleted = (deletedAt = '2025-06-02T00:00:00Z', undoUntil = '2025-06-09T00:00:00Z') =>
  event(ImageDeletedV2, { imageId, userId, deletedKeys: [], deletedAt, undoUntil });
/** v1 carries no `undoUntil`: the fold derives it from the default undo window. */
const deletedV1 = (deletedAt = '2025-06-02T00:00:00Z') => event(ImageDeletedV1, { imageId, userId, deletedKeys: [], deletedAt });
const restored = (restoredAt: string) => event(ImageRestoredV1, { imageId, userId, restoredAt });
const purged = (purgedAt = '2025-06-09T01:00:00Z') => event(ImagePurgedV1, { imageId, userId, purgedAt, purgedKeys: 1 });


/**
 * What is compared after each event: the status (every consumer decides by it), the restore
 * generation (metadata names a run's event ids by it, `runEventId`) and the decision keys.
 */
const decided = (state: ImageFoldState | undefined) =>
  state === undefined ? undefined : { ...pickFoldState(state, FOLD_DECISION_KEYS), status: state.status, generation: state.generation };

const histories: readonly (readonly [name: string, events: () => PipelineEvent[], lastStatus: ImageFoldState['status']])[] = [
  [
    'a redelivered upload, on processed and on failed; a new upload',
    () => [uploaded(), compressed(), thumbnails(), processedV2(), uploaded(), processed(), uploaded('etag:"upload-2"'), failed('compress'), uploaded('etag:"upload-2"'), uploaded('etag:"upload-3"'), processed()],
    'processed',
  ],
  [
    'a notify failure on processed, then a real failure',
    () => [uploaded(), processed(), failed('notify'), uploaded(), failed('notify'), failed('compress'), uploaded(), uploaded('etag:"upload-2"'), processed(), failed('notify')],
    'processed',
  ],
  [
    'a delete undone in time, a restore past the deadline, the purge, a restore after it',
    () => [
      uploaded(), processed(), deleted(), restored('2025-06-03T00:00:00Z'), uploaded(), processed(),
      deleted('2025-06-04T00:00:00Z', '2025-06-11T00:00:00Z'), restored('2025-06-12T00:00:00Z'), processed(), uploaded(),
      purged('2025-06-11T01:00:00Z'), restored('2025-06-05T00:00:00Z'), purged('2025-06-12T00:00:00Z'), restored('2025-06-05T00:00:00Z'),
    ],
    'deleted',
  ],
  [
    'a v1 delete (the default undo window): a timely and a late restore',
    () => [uploaded(), processed(), deletedV1(), restored('2025-06-03T00:00:00Z'), processed(), deletedV1('2025-06-04T00:00:00Z'), restored('2025-07-04T00:00:00Z'), processed()],
    'deleted',
  ],
  [
    'a purge without a delete before it (out of order), then a restore',
    () => [uploaded(), processed(), purged(), restored('2025-06-03T00:00:00Z'), uploaded('etag:"upload-2"'), processed()],
    'deleted',
  ],
  [
    'late events of a run after its delete, a duplicate delete, restores counted',
    () => [
      uploaded(), thumbnails(), deleted(), thumbnails(), compressed(), processedV2(), failed('compress'), uploaded(), deleted(),
      restored('2025-06-03T00:00:00Z'), thumbnails(), processedV2(), deleted('2025-06-05T00:00:00Z', '2025-06-12T00:00:00Z'),
      restored('2025-06-06T00:00:00Z'), processed(), deleted('2025-06-07T00:00:00Z', '2025-06-14T00:00:00Z'), restored('2025-06-08T00:00:00Z'), failed('thumbnail'),
    ],
    'failed',
  ],
  [
    'a rerun (the same original, new renditions) and its redelivery',
    () => [uploaded(), processed(), uploaded('etag:"upload-1"', 'r2'), thumbnails(), processedV2(), uploaded('etag:"upload-1"', 'r2'), failed('notify'), uploaded('etag:"upload-1"', 'r3'), failed('thumbnail')],
    'failed',
  ],
];

describe('FOLD_DECISION_KEYS: what the fold decides a later event by', () => {
  it.each(histories)('%s: a settled state picked to them folds every later event as the whole state', (_name, events, lastStatus) => {
    let whole: ImageFoldState | undefined;
    let slim: ImageFoldState | undefined;
    let slimmed = 0;
    for (const [i, next] of events().entries()) {
      whole = foldImageEvent(whole, next);
      slim = foldImageEvent(slim, next);
      expect({ step: i, ...decided(slim) }).toEqual({ step: i, ...decided(whole) });
      if (slim && slim.status !== 'processing') {
        slim = pickFoldState(slim, FOLD_DECISION_KEYS);
        slimmed += 1;
      }
    }
    expect(whole?.status).toBe(lastStatus);
    expect(slimmed).toBeGreaterThan(2);
  });

  it('the histories count restores (a generation the spec compares): three in one history', () => {
    const events = histories[5]?.[1]() ?? [];
    const whole = events.reduce<ImageFoldState | undefined>((state, next) => foldImageEvent(state, next), undefined);
    expect(whole?.generation).toBe(3);
  });

  it('names keys of the state only, each once', () => {
    expect(new Set(FOLD_DECISION_KEYS).size).toBe(FOLD_DECISION_KEYS.length);
  });
});
