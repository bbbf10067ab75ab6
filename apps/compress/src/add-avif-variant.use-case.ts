import {
  createEnvelope,
  deterministicUuid,
  foldHistory,
  ImageVariantAddedV1,
  isDeleted,
  isOnRun,
  type EnvelopeOf,
  type ImageProcessedV2,
  type ImageVariantAddedData,
} from '@imgpipe/contracts';
import { compressStill, DEFAULT_AUTO_QUALITY, isInvalidImageError, type InputPolicy } from '@imgpipe/image-ops';
import type { Ssimulacra2Scorer } from '@imgpipe/image-ops/scorer';
import {
  assertOutputLocation,
  compressedKey,
  IMMUTABLE_CACHE_CONTROL,
  type EventPublisher,
  type ImageEventStore,
  type ObjectStore,
} from '@imgpipe/platform';
import { AvifPublishFailedError } from './errors';

/** Why the step added nothing: each is final for this `ImageProcessed` (no retry helps). */
export const AVIF_SKIP_REASONS = [
  /** `AVIF_ENABLED=false`. */
  'disabled',
  /** The run already has an AVIF (compress made one), or this step's event is in the history. */
  'already-added',
  /** The image was deleted (and not restored) since the run: nothing of it may come back. */
  'deleted',
  /** The record points at another run now (a reprocess), or not at this one yet. */
  'reprocessed',
  /** An animated original: AVIF would hold its first frame only. */
  'animated',
  /** The AVIF is not smaller than the file the record serves: nobody should get it. */
  'not-smaller',
  /** The original is an image the input policy refuses (classified by image-ops). */
  'invalid-image',
] as const;
export type AvifSkipReason = (typeof AVIF_SKIP_REASONS)[number];

export type AddAvifVariantResult =
  | { readonly status: 'added'; readonly eventId: string; readonly data: ImageVariantAddedData }
  | { readonly status: 'skipped'; readonly reason: AvifSkipReason; readonly removedKey?: string };

export interface AddAvifVariantDeps {
  readonly store: ObjectStore;
  /** The image's history: the truth about whether its record still points at the run. */
  readonly events: Pick<ImageEventStore, 'load'>;
  readonly publisher: EventPublisher;
  readonly originalsBucket: string;
  readonly processedBucket: string;
  readonly enabled: boolean;
  /** AVIF encoder effort (0-9). */
  readonly effort: number;
  readonly policy?: InputPolicy;
  readonly now?: () => Date;
  /** Where the quality search scores SSIMULACRA2 (the composition root's choice); default the calling thread. */
  readonly scorer?: Ssimulacra2Scorer;
}

/** The format this step adds. */
const FORMAT = 'avif';

/**
 * The id of the `ImageVariantAdded` that follows one `ImageProcessed`: derived from that
 * event's id (which carries the run's outputs version and restore generation) and the
 * format, so a redelivered `ImageProcessed` publishes the same event (metadata keeps the
 * first), and a run recorded anew (after a restore) gets an event of its own.
 */
export function avifVariantEventId(imageId: string, processedEventId: string): string {
  return deterministicUuid(`imgpipe.compress/${imageId}/variant/${FORMAT}/${processedEventId}`);
}

/**
 * compress's follow-up step after `ImageProcessed` v2 (issue 13): AVIF costs too much CPU to
 * sit in the `Compress` state (WebP+AVIF > 1.3x WebP at every effort), so it is made here,
 * after the image is already served, and announced as `ImageVariantAdded`, which metadata
 * appends and folds into the delivery record (`formats`, `negotiatedUrl`, `srcset`, `<picture>`).
 *
 * - The quality is the perceptual search's (`quality: 'auto'`) to WebP's SSIMULACRA2 target
 *   (`DEFAULT_AUTO_QUALITY.webp.target`), at effort `deps.effort`.
 * - Written to `compressed/{user}/{image}/{version}/full.avif` under the run's version.
 * - Skipped (no file, no event) when the history says the image is deleted or its record
 *   points at another run, when the AVIF is not smaller than the served file, or for an
 *   animated original. The history is read again after the write: a delete or reprocess that
 *   landed meanwhile removes the file just written and publishes nothing.
 * - Idempotent: the event id is {@link avifVariantEventId}; a redelivery after it was
 *   recorded does nothing, one before re-encodes to the same key and the same event id.
 *
 * @throws AvifPublishFailedError (retryable) when the bus refuses the event; storage errors
 *   pass through (transient: the rule's retries, then its DLQ).
 */
export function createAddAvifVariant(deps: AddAvifVariantDeps) {
  const now = deps.now ?? (() => new Date());
  return async function addAvifVariant(processed: EnvelopeOf<typeof ImageProcessedV2>): Promise<AddAvifVariantResult> {
    const started = performance.now();
    const { data } = processed;
    const { version } = data.delivery;
    if (!deps.enabled) return { status: 'skipped', reason: 'disabled' };
    if (data.delivery.formats.includes(FORMAT)) return { status: 'skipped', reason: 'already-added' };
    const eventId = avifVariantEventId(data.imageId, processed.eventId);

    const before = await stillCurrent(deps, data.imageId, version, eventId);
    if (before !== 'current') return { status: 'skipped', reason: before };

    const original = await deps.store.get({ bucket: deps.originalsBucket, key: data.originalKey });
    let encoded;
    try {
      // compressStill: the full-size encode streams from the original, the decoded raster only
      // feeds the quality search's proxy (the encoder's ~240 MB at 12 MP is this step's peak).
      // Its one inspect also answers an animated original, with nothing decoded.
      encoded = await compressStill(
        original.body,
        // The same perceptual target as the served WebP's: the AVIF looks as good, in fewer bytes.
        {
          formats: [FORMAT],
          avif: { quality: 'auto', effort: deps.effort },
          autoQuality: { avif: { target: DEFAULT_AUTO_QUALITY.webp.target } },
          ...(deps.scorer ? { scorer: deps.scorer } : {}),
        },
        deps.policy,
      );
    } catch (error) {
      if (isInvalidImageError(error)) return { status: 'skipped', reason: 'invalid-image' };
      throw error;
    }
    if (encoded.kind === 'animated') return { status: 'skipped', reason: 'animated' };
    const { variant } = encoded;
    if (variant.size >= data.delivery.served.bytes) return { status: 'skipped', reason: 'not-smaller' };

    const location = { bucket: deps.processedBucket, key: compressedKey(data.userId, data.imageId, version, FORMAT) };
    assertOutputLocation(location, deps.originalsBucket);
    await deps.store.put({
      ...location,
      body: variant.data,
      contentType: variant.contentType,
      cacheControl: IMMUTABLE_CACHE_CONTROL,
      metadata: { 'image-id': data.imageId, 'output-kind': 'encoded' },
    });

    // A delete or reprocess recorded while this step encoded: its cleanup did not know this file.
    const after = await stillCurrent(deps, data.imageId, version, eventId);
    if (after === 'deleted' || after === 'reprocessed') {
      await deps.store.deleteVersion(location);
      return { status: 'skipped', reason: after, removedKey: location.key };
    }

    const added: ImageVariantAddedData = {
      imageId: data.imageId,
      userId: data.userId,
      version,
      processedEventId: processed.eventId,
      variant: {
        key: location.key,
        format: FORMAT,
        width: variant.width,
        height: variant.height,
        bytes: variant.size,
        ...(variant.quality !== undefined ? { quality: variant.quality } : {}),
        ...(variant.ssimulacra2 !== undefined ? { ssimulacra2: Math.round(variant.ssimulacra2 * 100) / 100 } : {}),
      },
      processingMs: Math.round(performance.now() - started),
    };
    const envelope = createEnvelope(ImageVariantAddedV1, added, {
      eventId,
      correlationId: processed.correlationId,
      occurredAt: now().toISOString(),
    });
    const result = await deps.publisher.publish([
      { source: ImageVariantAddedV1.source, detailType: ImageVariantAddedV1.detailType, detail: envelope, time: new Date(envelope.occurredAt) },
    ]);
    const failed = result.failed[0];
    if (failed) throw new AvifPublishFailedError(failed.errorCode, failed.errorMessage);
    return { status: 'added', eventId, data: added };
  };
}

/** Whether the history still has the image's record on `version`, not deleted, and this step's event not yet in it. */
async function stillCurrent(
  deps: Pick<AddAvifVariantDeps, 'events'>,
  imageId: string,
  version: string,
  eventId: string,
): Promise<'current' | 'deleted' | 'reprocessed' | 'already-added'> {
  const history = await deps.events.load(imageId);
  if (history.some((event) => event.eventId === eventId)) return 'already-added';
  const state = foldHistory(history);
  if (isDeleted(state)) return 'deleted';
  if (!isOnRun(state, version)) return 'reprocessed';
  return 'current';
}
