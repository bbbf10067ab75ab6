import { createHmac } from 'node:crypto';
import { checkPostPolicy, type PostPolicyRequest } from './post-policy';

const SECRET = 'local-secret';

/** A form signed as S3 expects (SigV4 over the base64 policy). */
function signedForm(conditions: unknown[], extra: Array<[string, string]> = [], expiration = '2030-01-01T00:00:00Z') {
  const date = '20250101';
  const credential = `AKID/${date}/us-east-1/s3/aws4_request`;
  const fields: Array<[string, string]> = [
    ['key', 'uploads/u1/i1/a.png'],
    ['Content-Type', 'image/png'],
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', credential],
    ['X-Amz-Date', `${date}T000000Z`],
    ...extra,
  ];
  const policy = Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');
  const h = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = h(h(h(h(`AWS4${SECRET}`, date), 'us-east-1'), 's3'), 'aws4_request');
  fields.push(['Policy', policy], ['X-Amz-Signature', h(signingKey, policy).toString('hex')]);
  return fields;
}

const standard = [
  { bucket: 'originals' },
  { key: 'uploads/u1/i1/a.png' },
  ['eq', '$Content-Type', 'image/png'],
  ['content-length-range', 1, 100],
  { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
  { 'X-Amz-Credential': 'AKID/20250101/us-east-1/s3/aws4_request' },
  { 'X-Amz-Date': '20250101T000000Z' },
];

const request = (fields: Array<[string, string]>, overrides: Partial<PostPolicyRequest> = {}): PostPolicyRequest => ({
  bucket: 'originals',
  fields,
  fileSize: 50,
  now: new Date('2025-01-01T00:05:00Z'),
  secretOf: (id) => (id === 'AKID' ? SECRET : undefined),
  ...overrides,
});

describe('checkPostPolicy', () => {
  it('accepts a form that meets every condition', async () => {
    expect(await checkPostPolicy(request(signedForm(standard)))).toBeUndefined();
  });

  it('refuses an expired policy', async () => {
    const refusal = await checkPostPolicy(request(signedForm(standard, [], '2025-01-01T00:01:00Z')));

    expect(refusal).toEqual({ status: 403, code: 'AccessDenied', message: 'Invalid according to Policy: Policy expired.' });
  });

  it('refuses another bucket, an unknown access key and a missing policy', async () => {
    expect((await checkPostPolicy(request(signedForm(standard), { bucket: 'processed' })))?.code).toBe('AccessDenied');
    expect((await checkPostPolicy(request(signedForm(standard), { secretOf: () => undefined })))?.code).toBe('InvalidAccessKeyId');
    expect((await checkPostPolicy(request(signedForm(standard).filter(([n]) => n !== 'Policy'))))?.code).toBe('AccessDenied');
  });

  it('applies starts-with, and allows x-ignore- fields without a condition', async () => {
    const conditions = [...standard.filter((c) => !('key' in c)), ['starts-with', '$key', 'uploads/u1/']];

    expect(await checkPostPolicy(request(signedForm(conditions, [['x-ignore-note', 'hi']])))).toBeUndefined();
    const outside = signedForm(conditions).map(([n, v]): [string, string] => (n === 'key' ? [n, 'other/a.png'] : [n, v]));
    expect(await checkPostPolicy(request(outside))).toMatchObject({
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy Condition failed: ["starts-with","$key","uploads/u1/"]',
    });
  });

  it('checks the size against content-length-range at both ends', async () => {
    expect(await checkPostPolicy(request(signedForm(standard), { fileSize: 100 }))).toBeUndefined();
    expect((await checkPostPolicy(request(signedForm(standard), { fileSize: 101 })))?.code).toBe('EntityTooLarge');
    expect((await checkPostPolicy(request(signedForm(standard), { fileSize: 0 })))?.code).toBe('EntityTooSmall');
  });
});
