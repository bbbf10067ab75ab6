import { createHash } from 'node:crypto';
import { ObjectNotFoundError } from '../errors';
import type { ObjectHead, ObjectLocation, ObjectStore, PutObjectInput, StoredObject } from './object-store.port';

export interface InMemoryObjectStoreOptions {
  /**
   * Keep every version of a key, as a versioned S3 bucket does: `put` returns a `versionId`,
   * reads take one, and `deleteVersion` removes one version, making the previous current.
   * Default false (a plain bucket: a `put` replaces the object).
   */
  readonly versioned?: boolean;
}

/** An {@link ObjectStore} in a Map, for unit tests and dry runs. Copies bytes in and out. */
export class InMemoryObjectStore implements ObjectStore {
  /** Every version of each object, oldest first; the last is the current one. */
  private readonly objects = new Map<string, StoredObject[]>();
  private readonly versioned: boolean;
  private versions = 0;

  constructor(options: InMemoryObjectStoreOptions = {}) {
    this.versioned = options.versioned ?? false;
  }

  private static id(bucket: string, key: string): string {
    return `${bucket}\u0000${key}`;
  }

  private find({ bucket, key, versionId }: ObjectLocation): StoredObject | undefined {
    const versions = this.objects.get(InMemoryObjectStore.id(bucket, key)) ?? [];
    return versionId === undefined ? versions.at(-1) : versions.find((v) => v.versionId === versionId);
  }

  async get(location: ObjectLocation): Promise<StoredObject> {
    const found = this.find(location);
    if (!found) throw new ObjectNotFoundError(location.bucket, location.key);
    return { ...found, body: Uint8Array.from(found.body) };
  }

  async getHead(location: ObjectLocation, bytes: number): Promise<Uint8Array> {
    const found = await this.get(location);
    return found.body.subarray(0, bytes);
  }

  async head(location: ObjectLocation): Promise<ObjectHead | undefined> {
    const found = this.find(location);
    if (!found) return undefined;
    const { body: _body, ...facts } = found;
    return facts;
  }

  async put(input: PutObjectInput): Promise<{ etag?: string; versionId?: string }> {
    const body = Uint8Array.from(input.body);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const versionId = this.versioned ? `v${String(++this.versions).padStart(6, '0')}` : undefined;
    const stored: StoredObject = {
      body,
      size: body.byteLength,
      contentType: input.contentType,
      cacheControl: input.cacheControl,
      metadata: input.metadata,
      etag,
      ...(versionId ? { versionId } : {}),
    };
    const id = InMemoryObjectStore.id(input.bucket, input.key);
    this.objects.set(id, this.versioned ? [...(this.objects.get(id) ?? []), stored] : [stored]);
    return versionId ? { etag, versionId } : { etag };
  }

  async deleteVersion({ bucket, key, versionId }: ObjectLocation): Promise<void> {
    const id = InMemoryObjectStore.id(bucket, key);
    // Without a version id a versioned bucket would add a delete marker; here the key goes,
    // which is what every caller of this fake needs from a plain delete.
    const left = versionId === undefined ? [] : (this.objects.get(id) ?? []).filter((v) => v.versionId !== versionId);
    if (left.length > 0) this.objects.set(id, left);
    else this.objects.delete(id);
  }

  async deletePrefix(bucket: string, prefix: string): Promise<string[]> {
    const keys = await this.list(bucket, prefix);
    for (const key of keys) this.objects.delete(InMemoryObjectStore.id(bucket, key));
    return keys;
  }

  async deleteAllVersions(bucket: string, prefix: string): Promise<number> {
    let erased = 0;
    for (const key of await this.list(bucket, prefix)) {
      const id = InMemoryObjectStore.id(bucket, key);
      erased += this.objects.get(id)?.length ?? 0;
      this.objects.delete(id);
    }
    return erased;
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const start = InMemoryObjectStore.id(bucket, prefix);
    return [...this.objects.keys()]
      .filter((id) => id.startsWith(start))
      .map((id) => id.slice(bucket.length + 1))
      .sort();
  }
}
