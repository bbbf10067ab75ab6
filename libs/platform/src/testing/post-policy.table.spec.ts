import { readdir } from 'node:fs/promises';
import { createAwsClients, type AwsClients } from '../aws/clients';
import { S3ObjectStore } from '../aws/s3-object-store.adapter';
import { S3PresignedPostSigner } from '../aws/s3-presigned-post-signer.adapter';
import { newId } from '../ids';
import type { SignedUpload } from '../ports/upload-signer.port';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalS3, type LocalS3 } from './local-peers';

// Browser form POSTs against the local store, row by row, each with the status and S3 error
// code S3 answers. Raw multipart through fetch/FormData, as a browser (or an attacker) sends it.

const ORIGINALS = 'originals';
const PROCESSED = 'processed';
const SIZE = 64;

let s3: LocalS3;
let clients: AwsClients;
beforeAll(async () => {
  s3 = await startLocalS3({ buckets: [ORIGINALS, PROCESSED], refusePostOverwrite: true });
  clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: s3.endpoint });
});
afterAll(async () => {
  clients.destroy();
  await s3.stop();
});

/** A grant for exactly SIZE bytes of image/png under a fresh key of user u1. */
async function grant(options: { expiresInSeconds?: number } = {}): Promise<SignedUpload & { key: string }> {
  const key = `uploads/u1/${newId()}/photo.png`;
  const upload = await new S3PresignedPostSigner(clients.s3).sign({
    bucket: ORIGINALS,
    key,
    contentType: 'image/png',
    maxBytes: 1024,
    bytes: SIZE,
    expiresInSeconds: options.expiresInSeconds ?? 900,
  });
  return { ...upload, key };
}

type Part = readonly [name: string, value: string | Blob, filename?: string];

/** The grant's fields in order, then the file, as a browser form sends them. */
const formOf = (upload: SignedUpload, file: Blob = new Blob([new Uint8Array(SIZE)], { type: 'image/png' })): Part[] => [
  ...Object.entries(upload.fields),
  ['file', file, 'photo.png'],
];

async function send(url: string, parts: readonly Part[]): Promise<{ status: number; code: string | undefined }> {
  const form = new FormData();
  for (const [name, value, filename] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, filename);
  }
  const response = await fetch(url, { method: 'POST', body: form });
  const text = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] };
}

const exists = (bucket: string, key: string) => new S3ObjectStore(clients.s3).head({ bucket, key }).then((h) => h !== undefined);
/** `parts` with one more field just before the file (the last part). */
const withField = (parts: Part[], name: string, value: string): Part[] => [...parts.slice(0, -1), [name, value], ...parts.slice(-1)];
const bytes = (n: number) => new Blob([new Uint8Array(n)], { type: 'image/png' });

interface Row {
  readonly name: string;
  /** The request, from a fresh grant. `attackerKey` is a key the POST must not create. */
  readonly build: (upload: SignedUpload & { key: string }) => Promise<{ url: string; parts: Part[] }> | { url: string; parts: Part[] };
  readonly status: number;
  readonly code?: string;
  /** Whether the granted key holds an object afterwards. */
  readonly stored: boolean;
  readonly attackerKey?: (upload: SignedUpload & { key: string }) => string;
}

const otherUsersKey = (upload: { key: string }) => upload.key.replace('uploads/u1/', 'uploads/u2/');

const rows: Row[] = [
  { name: 'a valid grant and file', build: (u) => ({ url: u.url, parts: formOf(u) }), status: 204, stored: true },
  {
    name: 'a second key field (another user’s space), last',
    build: (u) => ({ url: u.url, parts: withField(formOf(u), 'key', otherUsersKey(u)) }),
    status: 400,
    code: 'InvalidArgument',
    stored: false,
    attackerKey: otherUsersKey,
  },
  {
    name: 'a second key field in another case (Key)',
    build: (u) => ({ url: u.url, parts: withField(formOf(u), 'Key', otherUsersKey(u)) }),
    status: 400,
    code: 'InvalidArgument',
    stored: false,
    attackerKey: otherUsersKey,
  },
  {
    name: 'a second policy field',
    build: (u) => ({ url: u.url, parts: withField(formOf(u), 'Policy', u.fields['Policy'] ?? '') }),
    status: 400,
    code: 'InvalidArgument',
    stored: false,
  },
  {
    name: 'a query string on the URL with a second key field',
    build: (u) => ({ url: `${u.url}?x=1`, parts: withField(formOf(u), 'key', otherUsersKey(u)) }),
    status: 400,
    code: 'InvalidArgument',
    stored: false,
    attackerKey: otherUsersKey,
  },
  {
    name: 'a query string on the URL with a content type the policy forbids',
    build: (u) => ({
      url: `${u.url}?x=1`,
      parts: formOf({ ...u, fields: { ...u.fields, 'Content-Type': 'text/html' } }),
    }),
    status: 403,
    code: 'AccessDenied',
    stored: false,
  },
  {
    name: 'a ?delete query on a valid form (stored as a form POST, nothing deleted)',
    build: (u) => ({ url: `${u.url}?delete`, parts: formOf(u) }),
    status: 204,
    stored: true,
  },
  {
    name: 'a file part without a filename, of the granted size (text content, as S3 takes it)',
    build: (u) => ({ url: u.url, parts: [...Object.entries(u.fields), ['file', 'x'.repeat(SIZE)]] }),
    status: 204,
    stored: true,
  },
  {
    name: 'a file part without a filename, over the granted size',
    build: (u) => ({ url: u.url, parts: [...Object.entries(u.fields), ['file', 'x'.repeat(SIZE * 100)]] }),
    status: 400,
    code: 'EntityTooLarge',
    stored: false,
  },
  {
    name: 'two files',
    build: (u) => ({ url: u.url, parts: [...formOf(u), ['file', bytes(SIZE), 'again.png']] }),
    status: 400,
    code: 'InvalidArgument',
    stored: false,
  },
  {
    name: 'no file',
    build: (u) => ({ url: u.url, parts: Object.entries(u.fields) }),
    status: 400,
    code: 'InvalidArgument',
    stored: false,
  },
  {
    name: 'the file not last (a key after it)',
    build: (u) => {
      const parts = formOf(u).filter(([name]) => name !== 'key');
      return { url: u.url, parts: [...parts, ['key', u.key]] };
    },
    status: 400,
    code: 'InvalidArgument',
    stored: false,
  },
  {
    name: 'a field the policy does not name',
    build: (u) => ({ url: u.url, parts: withField(formOf(u), 'x-amz-meta-owner', 'u2') }),
    status: 403,
    code: 'AccessDenied',
    stored: false,
  },
  { name: 'one byte over the declared size', build: (u) => ({ url: u.url, parts: formOf(u, bytes(SIZE + 1)) }), status: 400, code: 'EntityTooLarge', stored: false },
  { name: 'one byte under the declared size', build: (u) => ({ url: u.url, parts: formOf(u, bytes(SIZE - 1)) }), status: 400, code: 'EntityTooSmall', stored: false },
  {
    name: 'a wrong signature',
    build: (u) => ({ url: u.url, parts: formOf({ ...u, fields: { ...u.fields, 'X-Amz-Signature': '0'.repeat(64) } }) }),
    status: 403,
    code: 'SignatureDoesNotMatch',
    stored: false,
  },
  {
    name: 'a policy edited after signing (key condition widened)',
    build: (u) => {
      const policy = JSON.parse(Buffer.from(u.fields['Policy'] ?? '', 'base64').toString('utf8')) as { conditions: unknown[] };
      policy.conditions = policy.conditions.map((c) => (c && typeof c === 'object' && 'key' in c ? ['starts-with', '$key', 'uploads/'] : c));
      const tampered = Buffer.from(JSON.stringify(policy)).toString('base64');
      return { url: u.url, parts: formOf({ ...u, fields: { ...u.fields, Policy: tampered, key: otherUsersKey(u) } }) };
    },
    status: 403,
    code: 'SignatureDoesNotMatch',
    stored: false,
    attackerKey: otherUsersKey,
  },
  {
    name: 'another bucket than the granted one',
    build: (u) => ({ url: u.url.replace(`/${ORIGINALS}`, `/${PROCESSED}`), parts: formOf(u) }),
    status: 403,
    code: 'AccessDenied',
    stored: false,
  },
  {
    name: 'the same grant posted twice (the first upload stays)',
    build: async (u) => {
      expect((await send(u.url, formOf(u))).status).toBe(204);
      return { url: u.url, parts: formOf(u, bytes(SIZE)) };
    },
    status: 412,
    code: 'PreconditionFailed',
    stored: true,
  },
];

describe('POST policies on the local store, as S3 answers them', () => {
  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const upload = await grant();
    const { url, parts } = await row.build(upload);

    const answer = await send(url, parts);

    expect(answer).toEqual({ status: row.status, code: row.code });
    expect(await exists(ORIGINALS, upload.key)).toBe(row.stored);
    if (row.attackerKey) expect(await exists(ORIGINALS, row.attackerKey(upload))).toBe(false);
  });

  it('refuses an expired grant', async () => {
    const upload = await grant({ expiresInSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));

    expect(await send(upload.url, formOf(upload))).toEqual({ status: 403, code: 'AccessDenied' });
    expect(await exists(ORIGINALS, upload.key)).toBe(false);
  });

  it('keeps the first upload of a grant posted twice, byte for byte', async () => {
    const upload = await grant();
    const first = new Uint8Array(SIZE).fill(1);
    await send(upload.url, formOf(upload, new Blob([first], { type: 'image/png' })));

    await send(upload.url, formOf(upload, new Blob([new Uint8Array(SIZE).fill(2)], { type: 'image/png' })));

    expect([...(await new S3ObjectStore(clients.s3).get({ bucket: ORIGINALS, key: upload.key })).body]).toEqual([...first]);
  });

  it('stores only what was checked: no other folder appears in the bucket', async () => {
    const users = await readdir(`${s3.directory}/${ORIGINALS}/uploads`);

    expect(users).toEqual(['u1']);
  });
});
