import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { MAX_CLOCK_SKEW_MS, s3CanonicalPath, verifySigV4, type ReceivedRequest } from './sigv4-verifier';

const CREDENTIALS = { accessKeyId: 'AKIDLOCAL0000000000A', secretAccessKey: 'local-secret-local-secret-local-secret-00' };
const NOW = new Date('2026-01-02T03:04:05Z');
const HOST = '127.0.0.1:4568';

const signer = (service: string, credentials = CREDENTIALS) =>
  new SignatureV4({ credentials, region: 'us-east-1', service, sha256: Sha256, uriEscapePath: service !== 's3' });

/** What the server receives for a request the SDK's signer signed. */
function received(signed: HttpRequest, body?: string): ReceivedRequest {
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: signed.method, path: signed.path, rawQuery: query, headers, ...(body !== undefined ? { body: Buffer.from(body) } : {}) };
}

const dynamoRequest = (body: string): HttpRequest => ({
  method: 'POST',
  protocol: 'http:',
  hostname: '127.0.0.1',
  port: 8000,
  path: '/',
  headers: { host: '127.0.0.1:8000', 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
  body,
});

const s3Request = (path: string): HttpRequest => ({
  method: 'GET',
  protocol: 'http:',
  hostname: '127.0.0.1',
  port: 4568,
  path,
  query: { 'list-type': '2', prefix: 'uploads/u1/' },
  headers: { host: HOST, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
});

const dynamo = { credentials: CREDENTIALS, service: 'dynamodb', uriEscapePath: true, now: NOW } as const;
const s3 = { credentials: CREDENTIALS, service: 's3', uriEscapePath: false, now: NOW } as const;

describe('verifySigV4', () => {
  it('accepts what the SDK signed, and refuses it once the body, a header or the query changes', async () => {
    const signed = await signer('dynamodb').sign(dynamoRequest('{}'), { signingDate: NOW });

    expect(await verifySigV4(received(signed, '{}'), dynamo)).toMatchObject({ ok: true, via: 'header' });
    expect(await verifySigV4(received(signed, '{"Limit":1}'), dynamo)).toMatchObject({ ok: false, kind: 'payload' });
    const otherTarget = { ...received(signed, '{}'), headers: { ...received(signed, '{}').headers, 'x-amz-target': 'DynamoDB_20120810.DeleteTable' } };
    expect(await verifySigV4(otherTarget, dynamo)).toMatchObject({ ok: false, kind: 'mismatch' });
    expect(await verifySigV4({ ...received(signed, '{}'), rawQuery: 'x=1' }, dynamo)).toMatchObject({ ok: false, kind: 'mismatch' });
  });

  it('tells an unsigned request, another secret, an unknown key and another service apart', async () => {
    const wrongSecret = await signer('dynamodb', { ...CREDENTIALS, secretAccessKey: 'other' }).sign(dynamoRequest('{}'), { signingDate: NOW });
    const unknownKey = await signer('dynamodb', { ...CREDENTIALS, accessKeyId: 'AKIDOTHER' }).sign(dynamoRequest('{}'), { signingDate: NOW });
    const forS3 = await signer('s3').sign(dynamoRequest('{}'), { signingDate: NOW });

    expect(await verifySigV4({ method: 'POST', path: '/', rawQuery: '', headers: { host: HOST }, body: Buffer.from('{}') }, dynamo)).toMatchObject({ kind: 'unsigned' });
    expect(await verifySigV4(received(wrongSecret, '{}'), dynamo)).toMatchObject({ kind: 'mismatch' });
    expect(await verifySigV4(received(unknownKey, '{}'), dynamo)).toMatchObject({ kind: 'unknown-key' });
    expect(await verifySigV4(received(forS3, '{}'), dynamo)).toMatchObject({ kind: 'malformed' });
  });

  it('refuses a header date more than 15 minutes away', async () => {
    const old = await signer('dynamodb').sign(dynamoRequest('{}'), { signingDate: new Date(NOW.getTime() - MAX_CLOCK_SKEW_MS - 1000) });
    const recent = await signer('dynamodb').sign(dynamoRequest('{}'), { signingDate: new Date(NOW.getTime() - MAX_CLOCK_SKEW_MS + 1000) });

    expect(await verifySigV4(received(old, '{}'), dynamo)).toMatchObject({ ok: false, kind: 'skewed' });
    expect(await verifySigV4(received(recent, '{}'), dynamo)).toMatchObject({ ok: true });
  });

  it('verifies S3 paths encoded once, and a presigned query until it expires', async () => {
    const path = `/originals/${s3CanonicalPath('uploads/u1/a b(1).jpg')}`;
    const headerSigned = await signer('s3').sign(s3Request(path), { signingDate: NOW });
    const presigned = await signer('s3').presign(s3Request(path), { signingDate: NOW, expiresIn: 60 });

    expect(await verifySigV4(received(headerSigned), s3)).toMatchObject({ ok: true, via: 'header', payloadHash: 'UNSIGNED-PAYLOAD' });
    expect(await verifySigV4(received(presigned), s3)).toMatchObject({ ok: true, via: 'query' });
    expect(await verifySigV4({ ...received(presigned), path: path.replace('/u1/', '/u2/') }, s3)).toMatchObject({ kind: 'mismatch' });
    expect(await verifySigV4(received(presigned), { ...s3, now: new Date(NOW.getTime() + 61_000) })).toMatchObject({ kind: 'expired' });
  });

  it('refuses both mechanisms at once', async () => {
    const presigned = await signer('s3').presign(s3Request('/originals/k'), { signingDate: NOW, expiresIn: 60 });
    const both = { ...received(presigned), headers: { ...received(presigned).headers, authorization: 'AWS4-HMAC-SHA256 Credential=x' } };

    expect(await verifySigV4(both, s3)).toMatchObject({ kind: 'malformed' });
  });
});
