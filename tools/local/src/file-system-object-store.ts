import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  ObjectNotFoundError,
  type ObjectHead,
  type ObjectLocation,
  type ObjectStore,
  type PutObjectInput,
  type StoredObject,
} from '@imgpipe/platform';

/**
 * An {@link ObjectStore} over a folder: bucket `b`, key `k` is the file `<root>/<b>/<k>`
 * (or `<root>/<k>` for a bucket mapped to the root). Used by the offline batch mode, so its
 * outputs are plain files a person can open. Content types are derived, not stored.
 */
export class FileSystemObjectStore implements ObjectStore {
  constructor(
    private readonly root: string,
    private readonly bucketDirs: Readonly<Record<string, string>> = {},
  ) {}

  private path({ bucket, key }: ObjectLocation): string {
    const base = resolve(this.root, this.bucketDirs[bucket] ?? bucket);
    const full = resolve(base, key);
    const inside = base.endsWith(sep) ? base : base + sep;
    if (!full.startsWith(inside)) throw new Error(`key escapes its bucket: ${key}`);
    return full;
  }

  async get(location: ObjectLocation): Promise<StoredObject> {
    try {
      const body = await readFile(this.path(location));
      return { body, size: body.byteLength, etag: `"${createHash('md5').update(body).digest('hex')}"` };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ObjectNotFoundError(location.bucket, location.key, { cause: error });
      }
      throw error;
    }
  }

  async getHead(location: ObjectLocation, bytes: number): Promise<Uint8Array> {
    return (await this.get(location)).body.subarray(0, bytes);
  }

  async head(location: ObjectLocation): Promise<ObjectHead | undefined> {
    try {
      return { size: (await stat(this.path(location))).size };
    } catch {
      return undefined;
    }
  }

  async put(input: PutObjectInput): Promise<{ etag?: string }> {
    const path = this.path(input);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, input.body);
    return { etag: `"${createHash('md5').update(input.body).digest('hex')}"` };
  }

  /** A folder keeps no versions: this deletes the file, whatever the version id. */
  async deleteVersion(location: ObjectLocation): Promise<void> {
    await rm(this.path(location), { force: true });
  }

  /** A folder keeps no versions: this deletes the files under the prefix. */
  async deleteAllVersions(bucket: string, prefix: string): Promise<number> {
    return (await this.deletePrefix(bucket, prefix)).length;
  }

  async deletePrefix(bucket: string, prefix: string): Promise<string[]> {
    const keys = await this.list(bucket, prefix);
    await Promise.all(keys.map((key) => rm(this.path({ bucket, key }), { force: true })));
    return keys;
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const base = resolve(this.root, this.bucketDirs[bucket] ?? bucket);
    const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(base, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix))
      .sort();
  }
}
