import {
  createEnvelope,
  ImageCompressedV2,
  ImageProcessedV2,
  LIMITS,
  primaryRenditionKeys,
  type EnvelopeOf,
  type ImageProcessedV2Data,
} from '@imgpipe/contracts';
import { buildDeliveryRecord } from '@imgpipe/delivery';
import {
  cdnPathOf,
  derivativePrefixes,
  noCdnInvalidator,
  parseDerivativeKey,
  type CdnInvalidator,
  type Clock,
  type NewImageEvent,
  type ObjectStore,
} from '@imgpipe/platform';
import type { RecordMetadataTaskInput } from '@imgpipe/workflow/task-io';
import type { AppendAndProject } from './append-and-project.use-case';
import { DISCARDED_BY_DELETE, type DiscardedRun } from './discarded-run';
import { foldHistory, foldWithAddedVariants, isDeleted, parseStoredEvent, type ImageMetadataRecord, type ProjectionOptions } from './projection';
import { withRecordedUpload } from './recorded-upload';
import { thumbnailsEvent, thumbnailsRecorded } from './record-thumbnails.use-case';
import { runEventId, toNewImageEvent, type RunKey } from './stored-events';


/**
 * The recorded `ImageProcessed` event as a `PutEvents` entry wants it (`Source`,
 * `DetailType`, and the envelope as `Detail`). A retried task returns the same event (the
 * one first recorded).
 */
export interface RecordedProcessed {
  readonly source: typeof ImageProcessedV2.source;
  readonly detailType: typeof ImageProcessedV2.detailType;
  readonly detail: EnvelopeOf<typeof ImageProcessedV2>;
}

/**
 * Output of `RecordMetadata`, for the next states: the recorded `ImageProcessed` (published
 * by `PublishProcessed`), or a {@link DiscardedRun} when the image was deleted meanwhile (the
 * execution then succeeds without publishing).
 */
export type RecordMetadataOutput = RecordedProcessed | DiscardedRun;

export interface RecordMetadataDeps {
  readonly appendAndProject: AppendAndProject;
  readonly clock: Clock;
  /** Where a discarded run's derivatives are removed from. */
  readonly store: ObjectStore;
  readonly processedBucket: string;
  /** The projection's options (the undo window of v1 deletes), to read the history as the read model does. */
  readonly projection?: ProjectionOptions;
  /**
   * Prefix of the delivery record's URLs: the CloudFront domain on AWS, the local server's
   * `/cdn` URL locally (`CDN_BASE_URL`). Default `''`: root-relative URLs.
   */
  readonly cdnBaseUrl?: string;
  /** Drops the replaced derivatives' cached copies (CloudFront on AWS); default: nothing to invalidate. */
  readonly cdn?: CdnInvalidator;
}

export type RecordMetadataResult =
  | (RecordedProcessed & {
      readonly discarded?: undefined;
      readonly record: ImageMetadataRecord | undefined;
      /** Whether this call stored the `ImageProcessed` event (false on a retry). */
      readonly recorded: boolean;
      /** Derivatives of earlier runs this call removed once the record pointed at the new ones. */
      readonly replacedKeys: readonly string[];
    })
  | (DiscardedRun & {
      readonly record: ImageMetadataRecord | undefined;
      readonly recorded: false;
      /** The derivative keys this call removed from the processed bucket. */
      readonly removedKeys: readonly string[];
    });

/**
 * The `record` task: appends `ImageCompressed`, `ThumbnailsGenerated` (unless the thumbnail
 * branch's `RecordThumbnails` recorded it already: `thumbnailsRecorded`) and `ImageProcessed`
 * to the image's history and projects it. Their ids derive from the image id, the stage,
 * the content hash and the rendition set version, so a retried task appends nothing new
 * and returns the `ImageProcessed` first recorded.
 *
 * When the history has no `ImageUploaded` for this upload yet (the bus delivery to
 * `onPipelineEvent` has not arrived), one is recorded from the task's input first (see
 * `withRecordedUpload`).
 *
 * When the history says the image is deleted (and not restored since), the run is
 * discarded: nothing is appended or published, the image's derivatives in the processed
 * bucket (what this run wrote, under the image's `compressed/` and `thumbnails/` prefixes)
 * are removed, and the task returns {@link DISCARDED_BY_DELETE}. After a restore, the run's
 * events get ids of the restore's generation, so they are recorded even when the pre-delete
 * run recorded the same original.
 */
export function createRecordMetadata(deps: RecordMetadataDeps): (input: RecordMetadataTaskInput) => Promise<RecordMetadataResult> {
  return async function recordMetadata(input) {
    const { uploaded } = input;
    const [compressed, thumbnails] = input.results;
    const correlationId = input.correlationId ?? uploaded.imageId;
    const now = deps.clock.now();
    const occurredAt = now.toISOString();
    // The contract makes the first variant the handed-back one (`compressedKey`) and requires one.
    const [served] = compressed.variants;
    if (!served) throw new Error(`image ${uploaded.imageId}: compress reported no variant`);
    // The whole rendition set: the thumbnail task's early renditions, then the large ones compress made (issue 13).
    const renditions = [...thumbnails.renditions, ...(compressed.renditions ?? [])];
    const delivery = buildDeliveryRecord({
      cdnBaseUrl: deps.cdnBaseUrl ?? '',
      userId: uploaded.userId,
      imageId: uploaded.imageId,
      version: compressed.version,
      variants: compressed.variants,
      renditions,
      served: {
        kind: compressed.output.kind,
        format: served.format,
        savingsPercent: compressed.savingsPercent,
        ...(served.quality !== undefined ? { quality: served.quality } : {}),
        ...(served.ssimulacra2 !== undefined ? { ssimulacra2: served.ssimulacra2 } : {}),
        ...(served.preset !== undefined ? { preset: served.preset } : {}),
      },
      placeholder: thumbnails.placeholder,
    });
    const processed: ImageProcessedV2Data = {
      imageId: uploaded.imageId,
      userId: uploaded.userId,
      originalKey: uploaded.original.key,
      compressedKey: compressed.compressedKey,
      thumbnails: primaryRenditionKeys(renditions),
      originalSize: compressed.originalSize,
      compressedSize: compressed.compressedSize,
      savingsPercent: compressed.savingsPercent,
      processingTimeMs: elapsedMs(uploaded.uploadedAt, now),
      width: compressed.width,
      height: compressed.height,
      format: uploaded.format,
      renditionsVersion: thumbnails.renditionsVersion,
      delivery,
    };

    // Decided from the history each attempt loads: the append is conditional on it.
    const decided = { discarded: false, processedId: '', previousKeys: [] as string[] };
    const result = await deps.appendAndProject(uploaded.imageId, (history) => {
      // With the variants added after `ImageProcessed` (AVIF): a new run removes those too.
      const state = foldWithAddedVariants(history, deps.projection);
      decided.discarded = isDeleted(state);
      decided.previousKeys = recordedKeys(state);
      if (decided.discarded) return [];
      const run: RunKey = {
        imageId: uploaded.imageId,
        contentHash: uploaded.original.contentHash,
        renditionsVersion: thumbnails.renditionsVersion,
        generation: state?.generation ?? 0,
        outputsVersion: `${compressed.version}.${thumbnails.version}`,
      };
      decided.processedId = runEventId(run, 'processed');
      const runEvents: NewImageEvent[] = [
        toNewImageEvent(
          ImageCompressedV2,
          createEnvelope(ImageCompressedV2, compressed, { eventId: runEventId(run, 'compressed'), correlationId, occurredAt }),
        ),
        // Usually recorded already, by the thumbnail branch's RecordThumbnails (issue 13): then not again.
        ...(thumbnailsRecorded(history, thumbnails) ? [] : [thumbnailsEvent(run, thumbnails, { correlationId, occurredAt })]),
        toNewImageEvent(
          ImageProcessedV2,
          createEnvelope(ImageProcessedV2, processed, { eventId: decided.processedId, correlationId, occurredAt }),
        ),
      ];
      return withRecordedUpload(history, uploaded, correlationId, runEvents, run.generation);
    });

    if (decided.discarded) {
      const removedKeys: string[] = [];
      for (const prefix of derivativePrefixes(uploaded.userId, uploaded.imageId)) {
        removedKeys.push(...(await deps.store.deletePrefix(deps.processedBucket, prefix)));
      }
      return { ...DISCARDED_BY_DELETE, record: result.record, recorded: false, removedKeys };
    }

    const { processedId } = decided;
    const stored = result.history.find((event) => event.eventId === processedId);
    const event = stored ? parseStoredEvent(stored) : undefined;
    if (event?.detailType !== 'ImageProcessed' || event.envelope.version !== ImageProcessedV2.version) {
      throw new Error(`image ${uploaded.imageId}: ImageProcessed v2 ${processedId} is not in the history after the append`);
    }
    const envelope = event.envelope as EnvelopeOf<typeof ImageProcessedV2>;
    const recorded = result.appended.some((e) => e.eventId === processedId);
    // Only once the record points at this run's keys: an earlier run's derivatives go (and,
    // on AWS, their cached copies). Immutable URLs make this the only way old bytes leave.
    const replacedKeys = recorded
      ? await removeReplaced(deps, uploaded, decided.previousKeys, new Set([...envelope.data.delivery.variants, ...envelope.data.delivery.renditions].map((f) => f.key)), processedId)
      : [];
    return {
      source: ImageProcessedV2.source,
      detailType: ImageProcessedV2.detailType,
      detail: envelope,
      record: result.record,
      recorded,
      replacedKeys,
    };
  };
}

/** The derivative keys a folded record names: its delivery record's files, else (a v1-era record) its compressed key and thumbnails. */
function recordedKeys(state: ReturnType<typeof foldHistory>): string[] {
  if (!state) return [];
  const named = [
    ...(state.delivery ? [...state.delivery.variants, ...state.delivery.renditions].map((f) => f.key) : []),
    ...(state.compressedKey ? [state.compressedKey] : []),
    ...Object.values(state.thumbnails ?? {}),
  ];
  return [...new Set(named)];
}

/**
 * Removes the derivatives a new record replaced: every key the previous record named, and
 * every key of the image left in the unversioned layout of before issue 11, except the new
 * record's own; then invalidates their CDN paths. A run that was never recorded (a failed
 * one) may leave its files behind: the image's delete and purge take its whole prefixes.
 */
async function removeReplaced(
  deps: RecordMetadataDeps,
  image: { readonly userId: string; readonly imageId: string },
  previousKeys: readonly string[],
  currentKeys: ReadonlySet<string>,
  reference: string,
): Promise<string[]> {
  const unversioned: string[] = [];
  for (const prefix of derivativePrefixes(image.userId, image.imageId)) {
    for (const key of await deps.store.list(deps.processedBucket, prefix)) {
      if (!parseDerivativeKey(key)) unversioned.push(key);
    }
  }
  const stale = [...new Set([...previousKeys, ...unversioned])].filter((key) => !currentKeys.has(key));
  if (stale.length === 0) return [];
  await Promise.all(stale.map((key) => deps.store.deleteVersion({ bucket: deps.processedBucket, key })));
  await (deps.cdn ?? noCdnInvalidator).invalidate({ paths: stale.map(cdnPathOf), reference: `replaced-${reference}` });
  return stale;
}

/** Upload to now in whole milliseconds, within what the contract accepts. */
function elapsedMs(uploadedAt: string, now: Date): number {
  const elapsed = Math.round(now.getTime() - Date.parse(uploadedAt));
  return Math.min(Math.max(elapsed, 0), LIMITS.processingMs);
}
