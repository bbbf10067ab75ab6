import {
  createEnvelope,
  ImageProcessingFailedV1,
  ImageUploadedV1,
  LIMITS,
  MimeType,
  type EnvelopeOf,
  type InputFormat,
} from '@imgpipe/contracts';
import {
  checkUploadHead,
  InvalidImageError,
  isInvalidImageError,
  type InputPolicy,
  type InvalidImageCode,
} from '@imgpipe/image-ops/checks';
import { ORIGINALS_PREFIX, type Clock, type EventPublisher, type ObjectStore } from '@imgpipe/platform';
import { deterministicEventId } from './event-ids';
import { sanitizeFilename } from './filename';
import { publishOne, toPublishEntry } from './publish';
import { decodeNotifiedKey, parseUploadKey } from './upload-key';

/** How much of an upload is read to tell its real type and header dimensions. */
export const DEFAULT_HEAD_BYTES = 64 * 1024;

export interface CheckUploadDeps {
  readonly store: ObjectStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly policy: InputPolicy;
  /** The rendition set version the thumbnail service produces (`renditionSetVersion`). */
  readonly renditionsVersion: string;
  /** Bytes read from the start of the object (default {@link DEFAULT_HEAD_BYTES}). */
  readonly headBytes?: number;
}

/** What an S3 "Object Created" notification says about the new object. */
export interface CreatedObject {
  readonly bucket: string;
  /** The key as notified (URL-encoded or not; see `decodeNotifiedKey`). */
  readonly key: string;
  readonly size?: number;
  /** The object's ETag, with or without quotes. */
  readonly etag?: string;
  /** When the object was created (the notification's `time`). */
  readonly createdAt?: string;
}

/** What became of a new object. */
export type CheckUploadOutcome =
  | { readonly outcome: 'ignored'; readonly key: string; readonly reason: string }
  | { readonly outcome: 'missing'; readonly key: string; readonly imageId: string }
  | {
      readonly outcome: 'accepted';
      readonly imageId: string;
      readonly userId: string;
      readonly event: EnvelopeOf<typeof ImageUploadedV1>;
    }
  | {
      readonly outcome: 'rejected';
      readonly imageId: string;
      readonly userId: string;
      readonly code: InvalidImageCode;
      readonly event: EnvelopeOf<typeof ImageProcessingFailedV1>;
    };

const OCTET_STREAM = 'application/octet-stream';

/** The declared content type without parameters, or `application/octet-stream`. */
function declaredContentType(value: string | undefined): string {
  const type = (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return MimeType.safeParse(type).success ? type : OCTET_STREAM;
}

/** `"abc"` and `abc` are the same ETag. */
function normaliseEtag(etag: string | undefined): string | undefined {
  const bare = etag?.trim().replace(/^"(.*)"$/, '$1');
  return bare && /^[!-~]{1,256}$/.test(bare) ? bare : undefined;
}

function toIsoInstant(value: string | undefined, clock: Clock): string {
  const time = value === undefined ? Number.NaN : Date.parse(value);
  return (Number.isNaN(time) ? clock.now() : new Date(time)).toISOString();
}

/**
 * `onObjectCreated`: checks a new original under `uploads/` from its head (size, ETag,
 * declared type) and its first bytes only — its real format from the magic bytes, its
 * size and, where the header says, its dimensions against the input policy — then either
 * publishes `ImageUploaded` (which starts the pipeline) or, for an invalid image,
 * publishes `ImageProcessingFailed` (stage `ingest`, `InvalidImage`, the code and a reason
 * a person can read, not retryable) and starts nothing. Nothing is deleted: the original
 * stays, and the history says why it was refused.
 *
 * Both events take their id from the image and the ETag, so a repeated notification
 * publishes the same event again, which the event store keeps once; `ImageUploaded` is
 * wholly deterministic (its time is the object's creation time), so duplicates of it are
 * identical payloads for the pipeline's idempotency.
 *
 * Keys outside `uploads/{userId}/{imageId}/{filename}` are ignored; an object already
 * gone is reported `missing` (there is nothing left to check).
 *
 * @throws PublishFailedError (retryable) when the bus did not take the event.
 */
export function createCheckUpload(deps: CheckUploadDeps) {
  const headBytes = deps.headBytes ?? DEFAULT_HEAD_BYTES;
  if (!Number.isInteger(headBytes) || headBytes < 1) throw new RangeError(`headBytes must be a positive integer, got ${headBytes}`);

  return async function checkUpload(object: CreatedObject): Promise<CheckUploadOutcome> {
    const key = decodeNotifiedKey(object.key);
    if (!key.startsWith(ORIGINALS_PREFIX)) return { outcome: 'ignored', key, reason: `not under ${ORIGINALS_PREFIX}` };
    const parts = parseUploadKey(key);
    if (!parts) {
      return { outcome: 'ignored', key, reason: `not of the form ${ORIGINALS_PREFIX}{userId}/{imageId}/{filename}` };
    }
    const { userId, imageId } = parts;
    const location = { bucket: object.bucket, key };

    const head = await deps.store.head(location);
    if (!head) return { outcome: 'missing', key, imageId };
    const etag = normaliseEtag(object.etag) ?? normaliseEtag(head.etag);
    if (etag === undefined) throw new Error(`s3://${object.bucket}/${key} has no ETag`);
    const contentHash = `etag:${etag}`;

    let checked: { format: InputFormat; width?: number; height?: number };
    try {
      checked = await inspect(location, head.size);
    } catch (error) {
      if (!isInvalidImageError(error)) throw error;
      const event = createEnvelope(
        ImageProcessingFailedV1,
        {
          imageId,
          userId,
          originalKey: key,
          stage: 'ingest',
          code: error.code,
          errorName: 'InvalidImage',
          reason: error.message.slice(0, LIMITS.reasonLength),
          retryable: false,
        },
        {
          eventId: deterministicEventId(`${ImageProcessingFailedV1.id}/ingest/${imageId}/${contentHash}`),
          correlationId: imageId,
          occurredAt: deps.clock.now().toISOString(),
        },
      );
      await publishOne(deps.publisher, toPublishEntry(ImageProcessingFailedV1, event));
      return { outcome: 'rejected', imageId, userId, code: error.code, event };
    }

    const uploadedAt = toIsoInstant(object.createdAt, deps.clock);
    const event = createEnvelope(
      ImageUploadedV1,
      {
        imageId,
        userId,
        original: {
          bucket: object.bucket,
          key,
          size: head.size,
          contentHash,
          contentType: declaredContentType(head.contentType),
          filename: sanitizeFilename(parts.filename),
        },
        format: checked.format,
        ...(checked.width !== undefined && checked.height !== undefined
          ? { width: checked.width, height: checked.height }
          : {}),
        renditionsVersion: deps.renditionsVersion,
        uploadedAt,
      },
      {
        eventId: deterministicEventId(`${ImageUploadedV1.id}/${imageId}/${contentHash}`),
        correlationId: imageId,
        occurredAt: uploadedAt,
      },
    );
    await publishOne(deps.publisher, toPublishEntry(ImageUploadedV1, event));
    return { outcome: 'accepted', imageId, userId, event };
  };

  /** Real format and header dimensions from the first bytes, checked against the policy. */
  async function inspect(
    location: { readonly bucket: string; readonly key: string },
    size: number,
  ): Promise<{ format: InputFormat; width?: number; height?: number }> {
    // An empty or oversized object is refused on its size alone: no byte of it is read.
    const inRange = size > 0 && size <= deps.policy.maxBytes;
    const bytes = inRange ? await deps.store.getHead(location, Math.min(headBytes, size)) : new Uint8Array();
    const { format, width, height } = checkUploadHead(bytes, size, deps.policy);
    if (width === undefined || height === undefined) return { format };
    if (Math.max(width, height) > LIMITS.dimension) {
      throw new InvalidImageError(
        'TOO_MANY_PIXELS',
        `The image is ${width} x ${height} pixels; neither side may exceed ${LIMITS.dimension}.`,
      );
    }
    return { format, width, height };
  }
}

export type CheckUpload = ReturnType<typeof createCheckUpload>;
