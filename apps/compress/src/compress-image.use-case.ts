import type { ImageCompressedData, ImageUploadedData } from '@imgpipe/contracts';
import { compress, type CompressOptionsInput, type InputPolicy } from '@imgpipe/image-ops';
import {
  compressedKey,
  IMMUTABLE_CACHE_CONTROL,
  assertOutputLocation,
  type ObjectStore,
} from '@imgpipe/platform';

export interface CompressImageDeps {
  readonly store: ObjectStore;
  /** Where outputs go: never the originals bucket. */
  readonly processedBucket: string;
  readonly originalsBucket: string;
  readonly options?: CompressOptionsInput;
  readonly policy?: InputPolicy;
  readonly now?: () => number;
}

/**
 * Original -> full-size web variants (WebP first, then AVIF / progressive JPEG when asked).
 * Idempotent by construction: the same input writes the same keys with the same bytes.
 * Invalid input surfaces as the image core's `InvalidImageError`; storage errors pass
 * through as they are (transient, retried by the state machine).
 */
export function createCompressImage(deps: CompressImageDeps) {
  const now = deps.now ?? (() => performance.now());
  return async function compressImage(input: ImageUploadedData): Promise<ImageCompressedData> {
    const started = now();
    const original = await deps.store.get({ bucket: input.original.bucket, key: input.original.key });
    const { facts, variants } = await compress(original.body, deps.options, deps.policy);

    const outputs = variants.map((variant) => ({
      variant,
      location: {
        bucket: deps.processedBucket,
        key: compressedKey(input.userId, input.imageId, variant.format),
      },
    }));
    for (const { location } of outputs) assertOutputLocation(location, deps.originalsBucket);
    await Promise.all(
      outputs.map(({ variant, location }) =>
        deps.store.put({
          ...location,
          body: variant.data,
          contentType: variant.contentType,
          cacheControl: IMMUTABLE_CACHE_CONTROL,
          metadata: { 'image-id': input.imageId },
        }),
      ),
    );

    const [primary] = outputs;
    if (!primary) throw new Error('the image core returned no variant');
    return {
      imageId: input.imageId,
      userId: input.userId,
      originalKey: input.original.key,
      originalSize: original.size,
      variants: outputs.map(({ variant, location }) => ({
        ...location,
        format: variant.format,
        contentType: variant.contentType,
        size: variant.size,
        width: variant.width,
        height: variant.height,
      })),
      compressedKey: primary.location.key,
      compressedSize: primary.variant.size,
      savingsPercent: primary.variant.savingsPercent,
      width: facts.width,
      height: facts.height,
      processingMs: Math.round(now() - started),
    };
  };
}

export type CompressImage = ReturnType<typeof createCompressImage>;
