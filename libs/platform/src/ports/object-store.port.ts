/** Bytes and the facts stored with them. */
export interface StoredObject {
  readonly body: Uint8Array;
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly etag?: string;
  /** The version read, on a versioned bucket. */
  readonly versionId?: string;
  readonly size: number;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What a `head` returns: the object's facts without its body. */
export type ObjectHead = Omit<StoredObject, 'body'>;

export interface PutObjectInput {
  readonly bucket: string;
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly cacheControl?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
  /** One version of the object, on a versioned bucket; the current version when absent. */
  readonly versionId?: string;
}

/**
 * Object storage as the services need it. The AWS adapter speaks S3 (and any S3-compatible
 * server through an endpoint override); tests use {@link InMemoryObjectStore}.
 */
export interface ObjectStore {
  /** The whole object; throws `ObjectNotFoundError` when it does not exist. */
  get(location: ObjectLocation): Promise<StoredObject>;
  /** The first `bytes` bytes (a ranged read), for sniffing a format without a download. */
  getHead(location: ObjectLocation, bytes: number): Promise<Uint8Array>;
  /** Facts only; `undefined` when the object does not exist. */
  head(location: ObjectLocation): Promise<ObjectHead | undefined>;
  /** Stores the object; `versionId` is the version created, on a versioned bucket. */
  put(input: PutObjectInput): Promise<{ etag?: string; versionId?: string }>;
  /**
   * Removes one version for good (`location.versionId`: the previous version becomes the
   * current one again, nothing else is lost); without a version id, deletes the object as a
   * plain DELETE does (on a versioned bucket that only hides it behind a delete marker).
   * Deleting what is not there succeeds.
   */
  deleteVersion(location: ObjectLocation): Promise<void>;
  /** Deletes every key under the prefix; returns the keys deleted. */
  deletePrefix(bucket: string, prefix: string): Promise<string[]>;
  /**
   * Erases every version of every key under the prefix (a whole key is its own prefix), delete
   * markers included, so nothing is left to restore: on a versioned bucket a plain delete only
   * hides the object behind a delete marker. Returns how many versions (and markers) were
   * removed; 0 when there was nothing. On an unversioned store it deletes the keys.
   */
  deleteAllVersions(bucket: string, prefix: string): Promise<number>;
  list(bucket: string, prefix: string): Promise<string[]>;
}
