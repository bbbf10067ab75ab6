import type { ImageUploadedData, ThumbnailsGeneratedV3Data } from '@imgpipe/contracts';
import {
  renditions,
  renditionSetVersion,
  splitRenditionSet,
  type InputPolicy,
  type RenditionSet,
} from '@imgpipe/image-ops';
import {
  derivativeVersion,
  assertOutputLocation,
  thumbnailKey,
  type ObjectStore,
} from '@imgpipe/platform';
import { putRendition, renditionObject } from '@imgpipe/image-ops/task';

export interface GenerateThumbnailsDeps {
  readonly store: ObjectStore;
  readonly processedBucket: string;
  readonly originalsBucket: string;
  readonly renditionSet: RenditionSet;
  readonly background?: string;
  readonly policy?: InputPolicy;
  readonly now?: () => number;
  /**
   * Told where one image's time went (issue 13: thumbnails early). The task's composition root
   * logs it beside its done line; a caller that owns stdout (batch mode's `--json`) leaves it out.
   */
  readonly onTimings?: (timings: ThumbnailTimings) => void;
}

/** Where one thumbnail job's time went, in ms: the original's read, image-ops' steps, the puts. */
export interface ThumbnailTimings {
  readonly getMs: number;
  readonly decodeMs: number;
  readonly placeholderMs: number;
  readonly renditionsMs: number;
  /** Each rendition's resize and encodes, by name (they overlap). */
  readonly renditionMs: Readonly<Record<string, number>>;
  readonly putMs: number;
}

/**
 * Original -> the configured set's early renditions (`splitRenditionSet`: every one whose box
 * fits `EARLY_RENDITION_MAX_SIDE`, so libjpeg decodes at 1/4 or 1/8 scale; the gallery set's
 * 1600 px `display` is compress's, from its full-size decode) in each of their formats (the
 * gallery set: JPEG, the universal fallback, and WebP, from one resize), written as
 * `thumbnails/{userId}/{imageId}/{version}/{rendition}.{ext}` with `version` the hash of the
 * renditions' bytes (`derivativeVersion`): same bytes, same keys; other bytes (a new set, a
 * new encoder) never reuse a URL. The placeholder from the same decode travels with them.
 * The result is `ThumbnailsGenerated` v3 data: each name's primary format first.
 */
export function createGenerateThumbnails(deps: GenerateThumbnailsDeps) {
  const now = deps.now ?? (() => performance.now());
  const version = renditionSetVersion(deps.renditionSet);
  const { early } = splitRenditionSet(deps.renditionSet);
  return async function generateThumbnails(input: ImageUploadedData): Promise<ThumbnailsGeneratedV3Data> {
    const started = now();
    const original = await deps.store.get({ bucket: input.original.bucket, key: input.original.key });
    const fetched = now();
    const result = await renditions(
      original.body,
      early,
      { background: deps.background },
      deps.policy,
    );

    const outputVersion = derivativeVersion(result.renditions.map((rendition) => rendition.data));
    const outputs = result.renditions.map((rendition) => ({
      rendition,
      location: {
        bucket: deps.processedBucket,
        key: thumbnailKey(input.userId, input.imageId, outputVersion, rendition.name, rendition.format),
      },
    }));
    for (const { location } of outputs) assertOutputLocation(location, deps.originalsBucket);
    const encoded = now();
    await Promise.all(
      outputs.map(({ rendition, location }) => putRendition(deps.store, rendition, location, { imageId: input.imageId, renditionsVersion: version })),
    );

    const { decodeMs, placeholderMs, renditionsMs } = result.timings;
    deps.onTimings?.({
      getMs: Math.round(fetched - started),
      decodeMs: Math.round(decodeMs),
      placeholderMs: Math.round(placeholderMs),
      renditionsMs: Math.round(renditionsMs),
      renditionMs: result.renditionMs,
      putMs: Math.round(now() - encoded),
    });
    return {
      imageId: input.imageId,
      userId: input.userId,
      renditionsVersion: version,
      renditions: outputs.map(({ rendition, location }) => renditionObject(rendition, location)),
      processingMs: Math.round(now() - started),
      version: outputVersion,
      placeholder: result.placeholder,
    };
  };
}

export type GenerateThumbnails = ReturnType<typeof createGenerateThumbnails>;
