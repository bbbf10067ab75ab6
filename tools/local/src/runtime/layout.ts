import { join, resolve } from 'node:path';

/** The buckets of the local runtime. */
export const LOCAL_BUCKETS = { originals: 'originals', processed: 'processed' } as const;

/** What lives where under the data directory (`.imgpipe/`). */
export function dataLayout(dataDir: string) {
  const root = resolve(dataDir);
  return {
    root,
    s3: join(root, 's3'),
    dynamodb: join(root, 'dynamodb'),
    archive: join(root, 'archive'),
    logs: join(root, 'logs'),
    web: join(root, 'web'),
    secret: join(root, 'secret'),
    /** The key pair the local S3 and DynamoDB servers accept (random, mode 0600, kept across restarts). */
    credentials: join(root, 'credentials.json'),
    /** The operator credential of `POST /admin/replay` (mode 0600), made anew on every start. */
    adminToken: join(root, 'admin-token'),
    /** Written once the read model's older records have the name search key (`backfillNameSearch`): later starts skip it. */
    nameSearchBackfilled: join(root, 'name-search-backfilled.json'),
    /** `{ pid, url, port, endpoints }` of the runtime using this directory, while it runs. */
    runtimeFile: join(root, 'runtime.json'),
  } as const;
}
export type DataLayout = ReturnType<typeof dataLayout>;
