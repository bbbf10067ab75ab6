import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ObjectNotFoundError } from '../errors';
import type { ObjectHead, ObjectLocation, ObjectStore, PutObjectInput, StoredObject } from '../ports/object-store.port';
import { dependencyError } from './errors';

const DELETE_BATCH = 1000;

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return metadata?.httpStatusCode;
}

/**
 * A server without versioning: s3rver answers `GET ?versions` with 405 MethodNotAllowed
 * (others with 501 NotImplemented). S3 itself lists versions of any bucket, versioned or not.
 */
const isNotImplemented = (error: unknown) =>
  ['NotImplemented', 'MethodNotAllowed'].includes(errorName(error) ?? '') || [501, 405].includes(httpStatus(error) ?? 0);

const isNotFound = (error: unknown) =>
  ['NoSuchKey', 'NotFound'].includes(errorName(error) ?? '') || httpStatus(error) === 404;

/** `VersionId` for a request on one version; nothing for the current one. */
const version = (versionId: string | undefined) => (versionId === undefined ? {} : { VersionId: versionId });

/**
 * {@link ObjectStore} on S3 (or an S3-compatible server through the client's endpoint).
 * Build the client with `createAwsClients` so checksums and path-style addressing are set.
 */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

  async get({ bucket, key, versionId }: ObjectLocation): Promise<StoredObject> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...version(versionId) }));
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return {
        body,
        size: body.byteLength,
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.CacheControl ? { cacheControl: out.CacheControl } : {}),
        ...(out.ETag ? { etag: out.ETag } : {}),
        ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
        ...(out.Metadata && Object.keys(out.Metadata).length > 0 ? { metadata: out.Metadata } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(bucket, key, { cause: error });
      throw dependencyError('S3', 'GetObject', error);
    }
  }

  async getHead({ bucket, key, versionId }: ObjectLocation, bytes: number): Promise<Uint8Array> {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`getHead needs a byte count, got ${bytes}`);
    if (bytes === 0) return new Uint8Array();
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}`, ...version(versionId) }));
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      // A server that ignores Range sends everything: never hand back more than asked for.
      return body.byteLength > bytes ? body.subarray(0, bytes) : body;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(bucket, key, { cause: error });
      // An empty object has no byte 0: S3 answers 416.
      if (errorName(error) === 'InvalidRange' || httpStatus(error) === 416) return new Uint8Array();
      throw dependencyError('S3', 'GetObject', error);
    }
  }

  async head({ bucket, key, versionId }: ObjectLocation): Promise<ObjectHead | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...version(versionId) }));
      return {
        size: out.ContentLength ?? 0,
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.CacheControl ? { cacheControl: out.CacheControl } : {}),
        ...(out.ETag ? { etag: out.ETag } : {}),
        ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
        ...(out.Metadata && Object.keys(out.Metadata).length > 0 ? { metadata: out.Metadata } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw dependencyError('S3', 'HeadObject', error);
    }
  }

  async put(input: PutObjectInput): Promise<{ etag?: string; versionId?: string }> {
    try {
      const out = await this.s3.send(
        new PutObjectCommand({
          Bucket: input.bucket,
          Key: input.key,
          Body: input.body,
          ContentLength: input.body.byteLength,
          ContentType: input.contentType,
          ...(input.cacheControl ? { CacheControl: input.cacheControl } : {}),
          ...(input.metadata ? { Metadata: { ...input.metadata } } : {}),
        }),
      );
      return {
        ...(out.ETag ? { etag: out.ETag } : {}),
        ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
      };
    } catch (error) {
      throw dependencyError('S3', 'PutObject', error);
    }
  }

  async deleteVersion({ bucket, key, versionId }: ObjectLocation): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...version(versionId) }));
    } catch (error) {
      // S3 answers 204 for a key that is not there; a server that says 404 means the same.
      if (isNotFound(error)) return;
      throw dependencyError('S3', 'DeleteObject', error);
    }
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const object of out.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw dependencyError('S3', 'ListObjectsV2', error);
    }
    return keys.sort();
  }

  async deletePrefix(bucket: string, prefix: string): Promise<string[]> {
    const keys = await this.list(bucket, prefix);
    await this.deleteBatches(bucket, keys.map((Key) => ({ Key })));
    return keys;
  }

  /**
   * ListObjectVersions under the prefix, then DeleteObjects naming each version id (and each
   * delete marker's), a thousand at a time. A server that has no versioning at all (the
   * local S3-compatible server refuses the listing) keeps one version a key: its keys are
   * deleted.
   */
  async deleteAllVersions(bucket: string, prefix: string): Promise<number> {
    const versions: Array<{ Key: string; VersionId?: string }> = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    try {
      do {
        const out = await this.s3.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            Prefix: prefix,
            ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker !== undefined ? { VersionIdMarker: versionMarker } : {}),
          }),
        );
        for (const v of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) {
          if (v.Key !== undefined) versions.push({ Key: v.Key, ...(v.VersionId ? { VersionId: v.VersionId } : {}) });
        }
        const more = out.IsTruncated === true;
        keyMarker = more ? out.NextKeyMarker : undefined;
        versionMarker = more ? out.NextVersionIdMarker : undefined;
      } while (keyMarker !== undefined);
    } catch (error) {
      if (isNotImplemented(error)) return (await this.deletePrefix(bucket, prefix)).length;
      throw dependencyError('S3', 'ListObjectVersions', error);
    }
    await this.deleteBatches(bucket, versions);
    return versions.length;
  }

  private async deleteBatches(bucket: string, objects: ReadonlyArray<{ Key: string; VersionId?: string }>): Promise<void> {
    for (let i = 0; i < objects.length; i += DELETE_BATCH) {
      const batch = objects.slice(i, i + DELETE_BATCH);
      let out;
      try {
        out = await this.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [...batch], Quiet: true } }));
      } catch (error) {
        throw dependencyError('S3', 'DeleteObjects', error);
      }
      const failed = out.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw dependencyError(
          'S3',
          'DeleteObjects',
          Object.assign(new Error(`${failed.length} keys not deleted, first ${first?.Key}: ${first?.Message}`), {
            name: first?.Code ?? 'DeleteObjectsError',
          }),
        );
      }
    }
  }
}
