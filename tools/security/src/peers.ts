import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join, relative } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { dataLayout } from '@imgpipe/local';
import { clientConfig, s3ClientConfig } from '@imgpipe/platform';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '@imgpipe/platform/testing';
import type { Endpoints } from './runtime-process';

/** An access key pair for the local peers. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * The credentials the runtime's own services sign with: the data directory's key pair
 * (`dataLayout(dataDir).credentials`, `{ accessKeyId, secretAccessKey }`), or, when the
 * attacked runtime keeps none there (older commits), the well-known pair it used for everything.
 * Read only: the suite never makes credentials the runtime would then accept.
 */
export async function runtimeCredentials(dataDir: string): Promise<Credentials> {
  try {
    const file = JSON.parse(await readFile(dataLayout(dataDir).credentials, 'utf8')) as Partial<Credentials>;
    if (typeof file.accessKeyId === 'string' && typeof file.secretAccessKey === 'string') {
      return { accessKeyId: file.accessKeyId, secretAccessKey: file.secretAccessKey };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return LOCAL_CREDENTIALS;
}

/** An S3 client of the local S3 endpoint, configured as the platform configures its own. */
export function s3Client(endpoints: Endpoints, credentials: Credentials): S3Client {
  return new S3Client({ ...s3ClientConfig({ region: LOCAL_REGION, endpoint: endpoints.s3, credentials }), maxAttempts: 1 });
}

export function dynamoClient(endpoints: Endpoints, credentials: Credentials): DynamoDBClient {
  return new DynamoDBClient({ ...clientConfig({ region: LOCAL_REGION, endpoint: endpoints.dynamodb, credentials }), maxAttempts: 1 });
}

/** Whether `bucket` has `key`, asked with the runtime's own credentials. */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

export async function objectBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
}

/** Every key under `prefix`, listed with the runtime's own credentials. */
export async function keysUnder(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  // s3rver answers a list InternalError when a folder it walks is removed under it (the runtime
  // deleting derivatives at that moment); S3 has no such race. This observer's list is retried.
  for (let attempt = 1; ; attempt += 1) {
    try {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (listed.Contents ?? []).map((object) => object.Key ?? '');
    } catch (error) {
      if (attempt >= 5 || !(error instanceof Error && error.name === 'InternalError')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** The HTTP status of an SDK error (`$metadata.httpStatusCode`), or `undefined` for a success. */
export async function sdkStatus(call: Promise<unknown>): Promise<{ readonly status: number | undefined; readonly name?: string }> {
  try {
    await call;
    return { status: undefined };
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    return { status: e.$metadata?.httpStatusCode ?? -1, ...(e.name ? { name: e.name } : {}) };
  }
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * A request with headers `fetch` will not send as given (`Host`), through `node:http`.
 */
export function rawRequest(
  url: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method, headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Files and folders under `root` (relative paths) whose name starts with `prefix`, outside `skip`. */
export async function findNamed(root: string, prefix: string, skip: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (path === skip) continue;
      if (entry.name.startsWith(prefix)) found.push(relative(root, path));
      if (entry.isDirectory()) await walk(path);
    }
  };
  await walk(root);
  return found;
}
