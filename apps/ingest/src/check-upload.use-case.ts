import {
  createEnvelope,
  ImageId,
  ImageProcessingFailedV1,
  ImageUploadedV1,
  LIMITS,
  MimeType,
  ObjectKey,
  UploadRefusedV1,
  type EnvelopeOf,
  type InputFormat,
  type UploadRefusalCode,
} from '@imgpipe/contracts';
import {
  checkUploadHead,
  InvalidImageError,
  isInvalidImageError,
  type InputPolicy,
  type InvalidImageCode,
} from '@imgpipe/image-ops/checks';
import {
  isSameClaimedObject,
  ORIGINALS_PREFIX,
  type ClaimedObject,
  type Clock,
  type EventPublisher,
  type ImageEventStore,
  type ObjectLocation,
  type ObjectStore,
  type UploadGrant,
  type UploadGrantStore,
} from '@imgpipe/platform';
import { deletionState } from './deletion-state';
import { deterministicEventId } from './event-ids';
import { sanitizeFilename } from './filename';
import { publishOne, toPublishEntry } from './publish';
import { decodeNotifiedKey } from './upload-key';

/** How much of an upload is read to tell its real type and header dimensions. */
export const DEFAULT_HEAD_BYTES = 64 * 1024;

/**
 * How long after its grant's expiry an object may still be created. S3 checks a POST
 * policy's expiration when the request arrives, but the notification carries the time the
 * upload finished: a 25 MiB upload started just before the expiry on a slow line ends after it.
 */
export const GRANT_EXPIRY_GRACE_MS = 15 * 60 * 1000;

export interface CheckUploadDeps {
  readonly store: ObjectStore;
  /** The grants `createUpload` recorded: the only source of an upload's owner and image id. */
  readonly grants: UploadGrantStore;
  /**
   * Image histories, where an object no grant admits may find its proven upload (an
   * `ImageUploaded` of exactly this object): the event store; locally, with the bus archive's
   * copy of a history the tables lost. See {@link UploadHistories}.
   */
  readonly histories: UploadHistories;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly policy: InputPolicy;
  /** The rendition set version the thumbnail service produces (`renditionSetVersion`). */
  readonly renditionsVersion: string;
  /** Bytes read from the start of the object (default {@link DEFAULT_HEAD_BYTES}). */
  readonly headBytes?: number;
}

/**
 * Where `checkUpload` reads an image's history (in sequence order or not). On AWS the event
 * store; the local runtime adds the bus archive, which outlives a data directory's tables.
 */
export type UploadHistories = Pick<ImageEventStore, 'load'>;

/** What an S3 "Object Created" notification says about the new object. */
export interface CreatedObject {
  readonly bucket: string;
  /** The key as notified (URL-encoded or not; see `decodeNotifiedKey`). */
  readonly key: string;
  readonly size?: number;
  /** The object's ETag, with or without quotes. */
  readonly etag?: string;
  /** The version created, on a versioned bucket (the notification's `version-id`). */
  readonly versionId?: string;
  /** When the object was created (the notification's `time`). */
  readonly createdAt?: string;
}

/** What became of a new object. */
export type CheckUploadOutcome =
  | { readonly outcome: 'ignored'; readonly key: string; readonly reason: string }
  | { readonly outcome: 'missing'; readonly key: string }
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
    }
  | {
      /**
       * No grant admits the object, but its image's history has an `ImageUploaded` of exactly
       * this object (bucket, key, content hash): a proven upload whose grant is gone (stored
       * before grants existed, or the tables were lost). Nothing is removed; the stored
       * `ImageUploaded` is published again as it is (same id and payload), so a lost run is
       * picked up and a known one is a duplicate. Not published again (`republished: false`)
       * when the history says the image is deleted: its original waits for the purge.
       */
      readonly outcome: 'readmitted';
      readonly imageId: string;
      readonly userId: string;
      readonly republished: boolean;
      readonly event: EnvelopeOf<typeof ImageUploadedV1>;
    }
  | {
      /** No grant admits the object: recorded as `UploadRefused`, and the object (version) removed. */
      readonly outcome: 'refused';
      readonly key: string;
      readonly code: UploadRefusalCode;
      /** The grant's image and owner, when a grant for the key's image id exists. */
      readonly imageId?: string;
      readonly userId?: string;
      readonly event: EnvelopeOf<typeof UploadRefusedV1>;
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
 * The image id segment of `uploads/{user}/{image}/{name}`: only the handle a grant is
 * looked up by. Nothing else is read from a key; the grant says whose image it is.
 */
function grantHandle(key: string): string | undefined {
  const candidate = key.slice(ORIGINALS_PREFIX.length).split('/')[1];
  return candidate !== undefined && ImageId.safeParse(candidate).success ? candidate : undefined;
}

/**
 * A refused object's key as the audit record can hold it. A hostile key may break the
 * `ObjectKey` rules (control characters, `..` segments, over 1024 bytes): then everything
 * after `uploads/` is percent-encoded (dots too, so no segment is `.` or `..`) and cut to fit.
 */
function recordableKey(key: string): string {
  if (ObjectKey.safeParse(key).success) return key;
  const rest = encodeURIComponent(key.slice(ORIGINALS_PREFIX.length)).replace(/\./g, '%2E');
  return `${ORIGINALS_PREFIX}${rest}`.slice(0, LIMITS.objectKeyBytes).replace(/%[0-9A-F]?$/, '');
}

/** Why an object is refused, in words a person can read (deterministic: no clock in them). */
function refusalReason(code: UploadRefusalCode, grant: UploadGrant | undefined, size: number, at: string): string {
  switch (code) {
    case 'NO_GRANT':
      return 'No upload grant admits this object: none was issued for the image id in its key, or it has expired.';
    case 'KEY_MISMATCH':
      return `The upload grant for image ${grant?.imageId ?? '?'} is for another key.`;
    case 'SIZE_MISMATCH':
      return `The object is ${size} bytes; the upload grant declared ${grant?.bytes ?? '?'} bytes.`;
    case 'GRANT_ALREADY_USED':
      return 'Another object already used the upload grant for this image: one grant, one upload.';
    case 'GRANT_EXPIRED':
      return `The object was created at ${at}, after its upload grant expired at ${grant?.validUntil ?? '?'}.`;
  }
}

/**
 * `onObjectCreated`: admits a new original under `uploads/` only as the one upload of an
 * upload grant, then checks it from its head (size, ETag, declared type) and its first bytes
 * only — its real format from the magic bytes, its size and, where the header says, its
 * dimensions against the input policy.
 *
 * Ownership is proven, not parsed: the key's image id segment only finds the grant
 * `createUpload` recorded; the owner and image id come from that grant. The object is
 * admitted when the grant's key is exactly the object's key, the grant had not expired when
 * the object was created, the object's size is exactly the declared size, and the object is
 * the first one claimed for the grant (a conditional write: one grant, one upload). Anything
 * else publishes `UploadRefused` (a classified code; image and owner only when a grant proves
 * them) and removes the object — by version id on a versioned bucket, so a second object for
 * a used grant is dropped and the first upload becomes current again, nothing lost.
 *
 * An admitted object publishes `ImageUploaded` (which starts the pipeline) or, for an
 * invalid image, `ImageProcessingFailed` (stage `ingest`, `InvalidImage`, the code and a
 * reason, not retryable), and nothing is deleted: the original stays, the history says why.
 *
 * Every event is deterministic in id and payload: ids come from the image and the ETag (or
 * the refused object's version), times from the object's creation (for an admitted object,
 * the time its grant was claimed), so a redelivered notification publishes the same event
 * again, which the event store keeps once and the pipeline's idempotency sees as the same.
 *
 * Keys outside `uploads/` are ignored; an object already gone is reported `missing`.
 *
 * @throws PublishFailedError (retryable) when the bus did not take the event.
 */
export function createCheckUpload(deps: CheckUploadDeps) {
  const headBytes = deps.headBytes ?? DEFAULT_HEAD_BYTES;
  if (!Number.isInteger(headBytes) || headBytes < 1) throw new RangeError(`headBytes must be a positive integer, got ${headBytes}`);

  return async function checkUpload(object: CreatedObject): Promise<CheckUploadOutcome> {
    const key = decodeNotifiedKey(object.key);
    if (!key.startsWith(ORIGINALS_PREFIX)) return { outcome: 'ignored', key, reason: `not under ${ORIGINALS_PREFIX}` };
    const location: ObjectLocation = {
      bucket: object.bucket,
      key,
      ...(object.versionId !== undefined ? { versionId: object.versionId } : {}),
    };

    // The grant is looked up by the key alone, so its read runs beside the object's HEAD
    // (issue 13, early thumbnails: one round trip fewer before ImageUploaded). A missing
    // object still answers `missing` whatever the lookup did.
    const handle = grantHandle(key);
    const grantLookup = settled(handle === undefined ? Promise.resolve(undefined) : deps.grants.get(handle));
    const headRequest = deps.store.head(location);
    // The first bytes are read beside the HEAD too, when the notification's size (S3 always
    // sends it) allows a read at all (issue 13 item 3: beside the claim, the read ended 5-9 ms
    // after it in the local runtime, where the HEAD now takes about that much longer, one event
    // loop serving both; with S3 a network away, its tail after the claim goes). Used only when
    // the HEAD then says the same size and names no other version; nothing is decided from them
    // before the claim, as below.
    const notifiedRead =
      object.size !== undefined && readable(object.size)
        ? { size: object.size, bytes: settled(deps.store.getHead(location, Math.min(headBytes, object.size))) }
        : undefined;
    const head = await headRequest;
    if (!head) return { outcome: 'missing', key };
    const etag = normaliseEtag(object.etag) ?? normaliseEtag(head.etag);
    if (etag === undefined) throw new Error(`s3://${object.bucket}/${key} has no ETag`);
    const versionId = object.versionId ?? head.versionId;
    const candidate: Omit<ClaimedObject, 'at'> = { etag, size: head.size, ...(versionId !== undefined ? { versionId } : {}) };
    const createdAt = toIsoInstant(object.createdAt, deps.clock);
    /** This very version: what is read, and what a refusal removes. */
    const exact: ObjectLocation = versionId !== undefined ? { ...location, versionId } : location;

    const refuse = async (code: UploadRefusalCode, grant?: UploadGrant): Promise<CheckUploadOutcome> => {
      const event = createEnvelope(
        UploadRefusedV1,
        {
          key: recordableKey(key),
          bucket: object.bucket,
          code,
          reason: refusalReason(code, grant, head.size, createdAt),
          ...(grant ? { imageId: grant.imageId, userId: grant.userId } : {}),
          ...(versionId !== undefined ? { versionId } : {}),
          refusedAt: createdAt,
        },
        {
          eventId: deterministicEventId(`${UploadRefusedV1.id}/${object.bucket}/${key}/${versionId ?? `etag:${etag}`}`),
          correlationId: grant?.imageId ?? `refused-${etag}`.slice(0, LIMITS.correlationIdLength),
          occurredAt: createdAt,
        },
      );
      // Recorded first, removed second: a retry after a failed delete records the same event again.
      await publishOne(deps.publisher, toPublishEntry(UploadRefusedV1, event));
      await deps.store.deleteVersion(exact);
      return {
        outcome: 'refused',
        key,
        code,
        ...(grant ? { imageId: grant.imageId, userId: grant.userId } : {}),
        event,
      };
    };

    /**
     * "Lose nothing": an object no grant admits is still the image's own when the image's
     * history accepted exactly this object (bucket, key and content hash: same ETag, same
     * bytes). Its last such `ImageUploaded` is published again, unchanged; it is never removed.
     */
    const readmit = async (imageId: string): Promise<CheckUploadOutcome | undefined> => {
      const history = await deps.histories.load(imageId);
      let proven: EnvelopeOf<typeof ImageUploadedV1> | undefined;
      for (const stored of [...history].sort((a, b) => a.sequence - b.sequence)) {
        if (stored.detailType !== ImageUploadedV1.detailType) continue;
        const parsed = ImageUploadedV1.detail.safeParse(stored.detail);
        if (!parsed.success) continue;
        const { original } = parsed.data.data;
        if (original.bucket === object.bucket && original.key === key && original.contentHash === `etag:${etag}`) {
          proven = parsed.data as EnvelopeOf<typeof ImageUploadedV1>;
        }
      }
      if (!proven || proven.data.imageId !== imageId) return undefined;
      let republished = false;
      try {
        const state = deletionState(history, 0);
        republished = !state.deleted && !state.purged;
      } catch {
        // A history this build cannot fold (a newer contract): the object is kept, nothing is re-run.
      }
      if (republished) await publishOne(deps.publisher, toPublishEntry(ImageUploadedV1, proven));
      return { outcome: 'readmitted', imageId, userId: proven.data.userId, republished, event: proven };
    };

    const grant = await grantLookup();
    if (!grant) return (handle !== undefined ? await readmit(handle) : undefined) ?? refuse('NO_GRANT');
    if (grant.key !== key) return refuse('KEY_MISMATCH', grant);

    // A redelivered notification of the object that holds the grant is admitted again, as it
    // was: at the time it claimed the grant, whatever the clock says now.
    let claimed = grant.claimed && isSameClaimedObject(grant.claimed, candidate) ? grant.claimed : undefined;
    if (!claimed) {
      if (Date.parse(createdAt) > Date.parse(grant.validUntil) + GRANT_EXPIRY_GRACE_MS) return refuse('GRANT_EXPIRED', grant);
      if (head.size !== grant.bytes) return refuse('SIZE_MISMATCH', grant);
    }
    // The first bytes, read beside the HEAD above or else now, beside the claim (issue 13: one
    // round trip fewer). Nothing is decided from them until the claim has admitted the object; a
    // refused object's read is dropped.
    const early = notifiedRead && notifiedRead.size === head.size && exact.versionId === location.versionId ? notifiedRead.bytes : undefined;
    const inspected = settled(inspect(exact, head.size, early));
    if (!claimed) {
      const claim = await deps.grants.claim(grant.imageId, { ...candidate, at: createdAt });
      if (claim.outcome === 'missing') return refuse('NO_GRANT');
      if (claim.outcome === 'taken' || !claim.grant.claimed) return refuse('GRANT_ALREADY_USED', grant);
      claimed = claim.grant.claimed;
    }

    const { imageId, userId } = grant;
    const uploadedAt = claimed.at;
    const contentHash = `etag:${etag}`;

    let checked: { format: InputFormat; width?: number; height?: number };
    try {
      checked = await inspected();
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
          // The object's time, never the clock: a redelivered rejection is the same payload.
          occurredAt: uploadedAt,
        },
      );
      await publishOne(deps.publisher, toPublishEntry(ImageProcessingFailedV1, event));
      return { outcome: 'rejected', imageId, userId, code: error.code, event };
    }

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
          filename: sanitizeFilename(key.slice(key.lastIndexOf('/') + 1)),
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

  /** Whether an object of `size` bytes is read at all: an empty or oversized one is refused on its size alone. */
  function readable(size: number): boolean {
    return size > 0 && size <= deps.policy.maxBytes;
  }

  /**
   * Real format and header dimensions from the first bytes, checked against the policy.
   * `early` is this very object's first bytes when they were read already (beside the HEAD).
   */
  async function inspect(
    location: ObjectLocation,
    size: number,
    early?: () => Promise<Uint8Array>,
  ): Promise<{ format: InputFormat; width?: number; height?: number }> {
    // An empty or oversized object is refused on its size alone: no byte of it is read.
    const bytes = !readable(size) ? new Uint8Array() : early ? await early() : await deps.store.getHead(location, Math.min(headBytes, size));
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

/**
 * Starts `work` now and hands back a function that awaits it: a step begun ahead of the
 * decision that needs it, whose failure surfaces only if that decision asks for it (a
 * rejection nobody asks for is not left unhandled).
 */
function settled<T>(work: Promise<T>): () => Promise<T> {
  work.catch(() => undefined);
  return () => work;
}
