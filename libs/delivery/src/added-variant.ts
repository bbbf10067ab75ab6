/*
 * A full-size variant added to a delivery record after the fact (compress's AVIF step,
 * `ImageVariantAdded`): the record is rebuilt with `buildDeliveryRecord`, so `formats`,
 * `negotiatedUrl`, `srcset` and `<picture>` follow the same rules as at `RecordMetadata`.
 * Type-only imports (this package's barrel goes into the CloudFront Function's bundle).
 */
import type { DeliveryFile, DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { buildDeliveryRecord, deliveryUrl, type StoredFile, type StoredVariant } from './delivery-record';

/**
 * The CDN base a record's URLs were built on: its served URL without the served file's key
 * (`deliveryUrl`'s inverse). `undefined` when the URL does not end in that key.
 */
export function cdnBaseOf(record: Pick<DeliveryRecord, 'served' | 'variants'>): string | undefined {
  const served = record.variants.find((v) => v.url === record.served.url);
  if (!served) return undefined;
  const suffix = deliveryUrl('', served.key);
  return record.served.url.endsWith(suffix) ? record.served.url.slice(0, -suffix.length) : undefined;
}

/**
 * `record` with one more full-size variant, rebuilt by `buildDeliveryRecord` on the record's
 * own CDN base, files, served choice and placeholder. A format the record already has is
 * replaced (one file per format).
 *
 * @throws Error when the record's URLs do not carry its keys (not a record this code built).
 * @example
 * withAddedVariant(record, { userId, imageId }, { key: `compressed/u/i/${record.version}/full.avif`, format: 'avif', width, height, size }).formats;
 * // ['avif', 'webp', 'jpeg']
 */
export function withAddedVariant(
  record: DeliveryRecord,
  image: { readonly userId: string; readonly imageId: string },
  variant: StoredFile,
): DeliveryRecord {
  const cdnBaseUrl = cdnBaseOf(record);
  if (cdnBaseUrl === undefined) throw new Error('withAddedVariant: the record\'s served URL does not end in its key');
  const stored = (file: DeliveryFile): StoredFile => ({ key: file.key, format: file.format, width: file.width, height: file.height, size: file.bytes });
  // Each kept variant keeps whether it animates (or its silence, for an older record), so the
  // rebuilt srcset makes the same choice about renditions as the record it replaces.
  const storedVariant = (file: DeliveryRecord['variants'][number]): StoredVariant => ({
    ...stored(file),
    ...(file.animated !== undefined ? { animated: file.animated } : {}),
  });
  const { served } = record;
  return buildDeliveryRecord({
    cdnBaseUrl,
    userId: image.userId,
    imageId: image.imageId,
    version: record.version,
    variants: [...record.variants.filter((v) => v.format !== variant.format).map(storedVariant), variant],
    renditions: record.renditions.map((r) => ({ ...stored(r), name: r.name })),
    served: {
      kind: served.kind,
      format: served.format,
      savingsPercent: served.savingsPercent,
      ...(served.quality !== undefined ? { quality: served.quality } : {}),
      ...(served.ssimulacra2 !== undefined ? { ssimulacra2: served.ssimulacra2 } : {}),
      ...(served.preset !== undefined ? { preset: served.preset } : {}),
    },
    ...(record.placeholder ? { placeholder: record.placeholder } : {}),
  });
}
