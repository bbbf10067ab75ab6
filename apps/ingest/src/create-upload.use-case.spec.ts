import { ImageId } from '@imgpipe/contracts';
import { RequestValidationError, UploadTooLargeError } from './errors';
import { createHarness } from './testing/ingest-harness';

const USER = 'user-1';
const valid = { filename: 'holiday photo.jpg', contentType: 'image/jpeg', bytes: 1_000_000 };

async function validationError(promise: Promise<unknown>): Promise<RequestValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RequestValidationError);
  return error as RequestValidationError;
}

describe('createUpload', () => {
  it('grants a presigned POST for uploads/{userId}/{imageId}/{sanitized filename}', async () => {
    const h = createHarness();

    const result = await h.services.createUpload(USER, valid);

    expect(ImageId.safeParse(result.imageId).success).toBe(true);
    expect(result.key).toBe(`uploads/${USER}/${result.imageId}/holiday_photo.jpg`);
    expect(result.url).toBe('https://imgpipe-originals.s3.example.test/');
    expect(result.fields).toMatchObject({ key: result.key, 'Content-Type': 'image/jpeg' });
    expect(result.expiresAt).toBe('2025-06-01T12:15:00.000Z');
  });

  it('binds the exact content type, exactly the declared bytes (at most max) and 15 minutes in what it signs', async () => {
    const h = createHarness();

    const { key } = await h.services.createUpload(USER, { ...valid, contentType: ' Image/PNG ' });

    expect(h.signer.requests).toEqual([
      {
        bucket: 'imgpipe-originals',
        key,
        contentType: 'image/png',
        maxBytes: 25 * 1024 * 1024,
        bytes: valid.bytes,
        expiresInSeconds: 900,
      },
    ]);
  });

  it('records the grant (owner, exact key, type, size, validity, TTL a day later) before returning it', async () => {
    const h = createHarness();

    const result = await h.services.createUpload(USER, { ...valid, contentType: 'image/png' });

    await expect(h.grants.get(result.imageId)).resolves.toEqual({
      imageId: result.imageId,
      userId: USER,
      key: result.key,
      contentType: 'image/png',
      bytes: valid.bytes,
      createdAt: '2025-06-01T12:00:00.000Z',
      validUntil: result.expiresAt,
      expiresAt: Date.parse('2025-06-02T12:15:00.000Z') / 1000,
    });
  });

  it('hands out no upload URL when the grant cannot be recorded', async () => {
    const h = createHarness();
    h.grants.put = () => Promise.reject(new Error('DynamoDB unavailable'));

    await expect(h.services.createUpload(USER, valid)).rejects.toThrow('DynamoDB unavailable');
  });

  it('takes the limit and the validity from the configuration', async () => {
    const h = createHarness({ MAX_UPLOAD_BYTES: '1000', UPLOAD_URL_TTL_SECONDS: '60' });

    await h.services.createUpload(USER, { ...valid, bytes: 1000 });

    expect(h.signer.requests[0]).toMatchObject({ maxBytes: 1000, expiresInSeconds: 60 });
  });

  it('gives every upload its own image id, in creation order', async () => {
    const h = createHarness();
    const first = await h.services.createUpload(USER, valid);
    h.clock.advance(1);
    const second = await h.services.createUpload(USER, valid);
    expect(second.imageId > first.imageId).toBe(true);
  });

  it('sanitizes traversal out of the file name', async () => {
    const h = createHarness();
    const { key, imageId } = await h.services.createUpload(USER, { ...valid, filename: '../../etc/passwd' });
    expect(key).toBe(`uploads/${USER}/${imageId}/passwd`);
  });

  it('refuses a declared size over the maximum with 413 TOO_LARGE, before signing', async () => {
    const h = createHarness({ MAX_UPLOAD_BYTES: '1000' });

    await expect(h.services.createUpload(USER, { ...valid, bytes: 1001 })).rejects.toBeInstanceOf(UploadTooLargeError);
    await expect(h.services.createUpload(USER, { ...valid, bytes: 1001 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(h.signer.requests).toHaveLength(0);
  });

  it.each([
    [{ contentType: 'image/jpeg', bytes: 1 }, 'filename', 'is required'],
    [{ ...valid, filename: 42 }, 'filename', 'must be a string'],
    [{ ...valid, filename: '' }, 'filename', 'must not be empty'],
    [{ ...valid, filename: 'x'.repeat(5000) }, 'filename', 'at most 4096'],
    [{ filename: 'a.jpg', bytes: 1 }, 'contentType', 'is required'],
    [{ ...valid, contentType: 'image/svg+xml' }, 'contentType', 'must be one of'],
    [{ ...valid, contentType: 'text/html' }, 'contentType', 'must be one of'],
    [{ ...valid, contentType: 'image/jpeg; charset=utf-8' }, 'contentType', 'must be one of'],
    [{ filename: 'a.jpg', contentType: 'image/jpeg' }, 'bytes', 'is required'],
    [{ ...valid, bytes: '100' }, 'bytes', 'must be a number'],
    [{ ...valid, bytes: 0 }, 'bytes', 'at least 1'],
    [{ ...valid, bytes: -5 }, 'bytes', 'at least 1'],
    [{ ...valid, bytes: 1.5 }, 'bytes', 'whole number'],
  ])('refuses %j naming the field %s', async (body, field, problem) => {
    const h = createHarness();

    const error = await validationError(h.services.createUpload(USER, body));

    expect(error.fields).toEqual([field]);
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain(field);
    expect(error.message).toContain(problem);
    expect(h.signer.requests).toHaveLength(0);
  });

  it('names every wrong field at once', async () => {
    const h = createHarness();
    const error = await validationError(h.services.createUpload(USER, {}));
    expect(error.fields).toEqual(['filename', 'contentType', 'bytes']);
  });

  it('reports a validation error before a size error', async () => {
    const h = createHarness({ MAX_UPLOAD_BYTES: '1000' });
    const error = await validationError(h.services.createUpload(USER, { ...valid, contentType: 'text/plain', bytes: 5000 }));
    expect(error.fields).toEqual(['contentType']);
  });

  it('accepts only the content types of formats the input policy accepts', async () => {
    const h = createHarness();
    for (const contentType of ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff', 'image/heic', 'image/heif']) {
      await expect(h.services.createUpload(USER, { ...valid, contentType })).resolves.toMatchObject({
        fields: { 'Content-Type': contentType },
      });
    }
  });
});
