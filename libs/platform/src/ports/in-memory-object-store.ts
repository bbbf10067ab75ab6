import { createHash } from 'node:crypto';
import { ObjectNotFoundError } from '../errors';
import type { ObjectHead, ObjectLocation, ObjectStore, PutObjectInput, StoredObject } from './object-store.port';

/** An {@link ObjectStore} in a Map, for unit tests and dry runs. Copies bytes in and out. */
export class InMemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject>();

  private static id(bucket: string, key: string): string {
    return `${bucket}\u0000${key}`;
  }

  async get({ bucket, key }: ObjectLocation): Promise<StoredObject> {
    const found = this.objects.get(InMemoryObjectStore.id(bucket, key));
    if (!found) throw new ObjectNotFoundError(bucket, key);
    return { ...found, body: Uint8Array.from(found.body) };
  }

  async getHead(location: ObjectLocation, bytes: number): Promise<Uint8Array> {
    const found = await this.get(location);
    return found.body.subarray(0, bytes);
  }

  async head({ bucket, key }: ObjectLocation): Promise<ObjectHead | undefined> {
    const found = this.objects.get(InMemoryObjectStore.id(bucket, key));
    if (!found) return undefined;
    const { body: _body, ...facts } = found;
    return facts;
  }

  async put(input: PutObjectInput): Promise<{ etag?: string }> {
    const body = Uint8Array.from(input.body);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    this.objects.set(InMemoryObjectStore.id(input.bucket, input.key), {
      body,
      size: body.byteLength,
      contentType: input.contentType,
      cacheControl: input.cacheControl,
      metadata: input.metadata,
      etag,
    });
    return { etag };
  }

  async deletePrefix(bucket: string, prefix: string): Promise<string[]> {
    const keys = await this.list(bucket, prefix);
    for (const key of keys) this.objects.delete(InMemoryObjectStore.id(bucket, key));
    return keys;
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const start = InMemoryObjectStore.id(bucket, prefix);
    return [...this.objects.keys()]
      .filter((id) => id.startsWith(start))
      .map((id) => id.slice(bucket.length + 1))
      .sort();
  }
}
