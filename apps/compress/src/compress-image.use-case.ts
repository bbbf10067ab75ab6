import { OUTPUT_FORMATS, type ImageCompressedV2Data, type ImageUploadedData, type OutputFormatName } from '@imgpipe/contracts';
import {
  compress,
  renditionSetVersion,
  splitRenditionSet,
  type CompressedVariant,
  type CompressOptionsInput,
  type InputPolicy,
  type OutputChoice,
  type RenditionSet,
} from '@imgpipe/image-ops';
import {
  compressedKey,
  derivativeVersion,
  IMMUTABLE_CACHE_CONTROL,
  assertOutputLocation,
  thumbnailKey,
  type ObjectStore,
} from '@imgpipe/platform';
import { putRendition, renditionObject } from '@imgpipe/image-ops/task';

export interface CompressImageDeps {
  readonly store: ObjectStore;
  /** Where outputs go: never the originals bucket. */
  readonly processedBucket: string;
  readonly originalsBucket: string;
  readonly options?: CompressOptionsInput;
  readonly policy?: InputPolicy;
  /**
   * The services' rendition set (`RENDITION_SET`): compress makes its `late` share
   * (`splitRenditionSet`, the renditions too large for the thumbnail task's early decode) from
   * its own full-size decode. Absent: none.
   */
  readonly renditionSet?: RenditionSet;
  /** `THUMBNAIL_BACKGROUND`: JPEG renditions' flattening and `contain`'s padding. */
  readonly background?: string;
  readonly now?: () => number;
}

/** One full-size file to write: a servable choice of image-ops' honest output and its bytes. */
interface FullSizeFile {
  readonly choice: OutputChoice & { readonly format: OutputFormatName };
  readonly data: Uint8Array;
  /** The lossy variant behind it (its quality and score), when it is one. */
  readonly variant?: CompressedVariant;
}

const isOutputFormat = (format: string): format is OutputFormatName => (OUTPUT_FORMATS as readonly string[]).includes(format);

/**
 * Original -> the full-size files worth serving (image-ops' honest output), written under
 * `compressed/{user}/{image}/{version}/full.{ext}` with `version` the hash of their bytes
 * (`derivativeVersion`): a URL never changes its bytes, a retry writes the same keys, a
 * reprocess with other bytes writes new ones (metadata moves the record and removes the old).
 *
 * - Written: one file per format among the servable outputs, the one handed back first
 *   (`compressedKey`): a lossy variant that saved enough, the original unchanged (copied to
 *   the derivative key: it may then be served) or a lossless WebP re-encode. A variant
 *   larger than a servable original is never written.
 * - A GIF original that no variant beats is copied as `full.gif` (GIF is an output format
 *   only for this): an animated GIF stays animated, and is its own universal fallback (its
 *   JPEG, a still of the first frame, is never written).
 * - Every file says whether it plays an animation (`animated`, image-ops' honest output), so
 *   the delivery record keeps first-frame renditions out of an animation's srcset only.
 *
 * Invalid input surfaces as the image core's `InvalidImageError`; storage errors pass
 * through as they are (transient, retried by the state machine).
 */
export function createCompressImage(deps: CompressImageDeps) {
  const now = deps.now ?? (() => performance.now());
  const late = deps.renditionSet ? splitRenditionSet(deps.renditionSet).late : undefined;
  // Said whenever there is a set, renditions or not: RecordMetadata joins compress's share to the
  // thumbnail task's only when both read the same set (RecordMetadataTaskInputSchema).
  const renditionsVersion = deps.renditionSet ? renditionSetVersion(deps.renditionSet) : undefined;
  return async function compressImage(input: ImageUploadedData): Promise<ImageCompressedV2Data> {
    const started = now();
    const original = await deps.store.get({ bucket: input.original.bucket, key: input.original.key });
    const { facts, variants, output, renditions } = await compress(
      original.body,
      deps.options,
      deps.policy,
      late ? { renditionSet: late, ...(deps.background ? { background: deps.background } : {}) } : undefined,
    );

    const bytesOf = (choice: OutputChoice): FullSizeFile | undefined => {
      const { format } = choice;
      if (!isOutputFormat(format)) return undefined;
      const typed = { ...choice, format };
      if (choice.kind === 'original') return { choice: typed, data: original.body };
      if (choice.kind === 'lossless') return output.lossless ? { choice: typed, data: output.lossless.data, variant: output.lossless } : undefined;
      const variant = variants.find((v) => v.format === format);
      return variant ? { choice: typed, data: variant.data, variant } : undefined;
    };
    // The chosen file first, then one per other format, smallest first (servable is sorted so).
    const files: FullSizeFile[] = [];
    for (const choice of [output.chosen, ...output.servable]) {
      const file = bytesOf(choice);
      if (file && !files.some((f) => f.choice.format === file.choice.format)) files.push(file);
    }
    // Every web-deliverable format is an output format: only a broken image core gets here.
    if (files.length === 0) throw new Error(`the image core handed back nothing storable (${output.chosen.kind} ${output.chosen.format})`);

    // The renditions' bytes count toward the version too: their keys share it.
    const version = derivativeVersion([...files.map((f) => f.data), ...renditions.map((r) => r.data)]);
    const outputs = files.map((file) => ({
      file,
      location: { bucket: deps.processedBucket, key: compressedKey(input.userId, input.imageId, version, file.choice.format) },
    }));
    const renditionOutputs = renditions.map((rendition) => ({
      rendition,
      location: { bucket: deps.processedBucket, key: thumbnailKey(input.userId, input.imageId, version, rendition.name, rendition.format) },
    }));
    for (const { location } of [...outputs, ...renditionOutputs]) assertOutputLocation(location, deps.originalsBucket);
    await Promise.all([
      ...outputs.map(({ file, location }) =>
        deps.store.put({
          ...location,
          body: file.data,
          contentType: file.choice.contentType,
          cacheControl: IMMUTABLE_CACHE_CONTROL,
          metadata: { 'image-id': input.imageId, 'output-kind': file.choice.kind },
        }),
      ),
      // Renditions are made only from a set, so its version is there.
      ...renditionOutputs.map(({ rendition, location }) =>
        putRendition(deps.store, rendition, location, { imageId: input.imageId, renditionsVersion: renditionsVersion ?? '' }),
      ),
    ]);

    const [primary] = outputs;
    if (!primary) throw new Error('compress wrote no file');
    return {
      imageId: input.imageId,
      userId: input.userId,
      originalKey: input.original.key,
      originalSize: original.size,
      variants: outputs.map(({ file, location }) => ({
        ...location,
        format: file.choice.format,
        contentType: file.choice.contentType as ImageCompressedV2Data['variants'][number]['contentType'],
        size: file.data.byteLength,
        width: file.choice.width,
        height: file.choice.height,
        ...(file.choice.kind === 'encoded' && file.variant?.quality !== undefined ? { quality: file.variant.quality } : {}),
        ...(file.choice.kind === 'encoded' && file.variant?.ssimulacra2 !== undefined ? { ssimulacra2: file.variant.ssimulacra2 } : {}),
        ...(file.choice.kind === 'encoded' && file.variant?.preset !== undefined ? { preset: file.variant.preset } : {}),
        // Always said (true or false): a record that knows lets a still GIF's renditions into its srcset.
        animated: file.choice.animated,
      })),
      compressedKey: primary.location.key,
      compressedSize: primary.file.data.byteLength,
      savingsPercent: primary.file.choice.savingsPercent,
      width: facts.width,
      height: facts.height,
      processingMs: Math.round(now() - started),
      version,
      output: { kind: primary.file.choice.kind, reason: output.reason.slice(0, 2000) },
      ...(renditionOutputs.length > 0
        ? {
            renditions: renditionOutputs.map(({ rendition, location }) => renditionObject(rendition, location)),
          }
        : {}),
      ...(renditionsVersion ? { renditionsVersion } : {}),
    };
  };
}

export type CompressImage = ReturnType<typeof createCompressImage>;
