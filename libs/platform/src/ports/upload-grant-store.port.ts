/** The one object that used a grant: how ingest tells a retried notification from a second upload. */
export interface ClaimedObject {
  /** The object's ETag, without quotes. */
  readonly etag: string;
  /** The S3 version id, on a versioned bucket (none on the local store). */
  readonly versionId?: string;
  readonly size: number;
  /** When the object was created (ISO 8601, UTC). */
  readonly at: string;
}

/**
 * What the upload API granted one user at presign time: one object, under one exact key, of
 * one content type and size. Ownership of an upload comes from here, never from its key.
 */
export interface UploadGrant {
  readonly imageId: string;
  /** The owner: the user the grant was issued to. */
  readonly userId: string;
  /** The exact key the object must be stored under. */
  readonly key: string;
  readonly contentType: string;
  /** The exact size declared, in bytes. */
  readonly bytes: number;
  /** When the grant was issued (ISO 8601, UTC). */
  readonly createdAt: string;
  /** When the presigned POST stops being accepted (ISO 8601, UTC). */
  readonly validUntil: string;
  /** Epoch seconds at which the table's TTL removes the record: a day after `validUntil`. */
  readonly expiresAt: number;
  /** The first object stored under the grant; set once, by {@link UploadGrantStore.claim}. */
  readonly claimed?: ClaimedObject;
}

/** How long a grant record outlives its POST policy before the table's TTL removes it. */
export const UPLOAD_GRANT_RETENTION_SECONDS = 24 * 3600;

/** The TTL (`expiresAt`, epoch seconds) of a grant valid until `validUntil`. */
export function uploadGrantExpiresAt(validUntil: string | Date): number {
  return Math.ceil(new Date(validUntil).getTime() / 1000) + UPLOAD_GRANT_RETENTION_SECONDS;
}

/** Whether two claims are the same stored object (same ETag, version and size). */
export function isSameClaimedObject(a: ClaimedObject, b: Omit<ClaimedObject, 'at'>): boolean {
  return a.etag === b.etag && (a.versionId ?? null) === (b.versionId ?? null) && a.size === b.size;
}

/** What {@link UploadGrantStore.claim} found. */
export type ClaimResult =
  /** This object holds the grant: it claimed it now, or it had already (a retried notification). */
  | { readonly outcome: 'claimed'; readonly grant: UploadGrant }
  /** Another object claimed the grant first; `grant.claimed` is that object. */
  | { readonly outcome: 'taken'; readonly grant: UploadGrant }
  /** No such grant (never issued, or expired by the table's TTL). */
  | { readonly outcome: 'missing' };

/**
 * Upload grants (the `upload-grants` table): one grant per image id, written once, used by
 * one object. The DynamoDB adapter makes both writes conditional; {@link InMemoryUploadGrantStore}
 * follows the same rules (one spec runs against both).
 */
export interface UploadGrantStore {
  /**
   * Records a new grant; never overwrites one.
   *
   * @throws ConcurrencyConflictError when a grant for this image id exists already.
   */
  put(grant: UploadGrant): Promise<void>;
  get(imageId: string): Promise<UploadGrant | undefined>;
  /**
   * Records `object` as the grant's one object if none is recorded yet (a conditional write:
   * of two racing objects, exactly one wins); `claimed` again for the same object.
   */
  claim(imageId: string, object: ClaimedObject): Promise<ClaimResult>;
  /**
   * Removes the image's grant, if any (idempotent). The purge's: a grant's `key` holds the
   * file name, which must not outlive the undo window (the table's TTL is only a backstop).
   */
  forget(imageId: string): Promise<void>;
}
