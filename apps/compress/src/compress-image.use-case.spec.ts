import type { ImageUploadedData } from '@imgpipe/contracts';
import { ImageCompressedDataSchema } from '@imgpipe/contracts';
import { probe, InvalidImageError } from '@imgpipe/image-ops';
import { testImage } from '@imgpipe/image-ops/testing';
import { IMMUTABLE_CACHE_CONTROL } from '@imgpipe/platform';
import { InMemoryObjectStore } from '@imgpipe/platform/testing';
import { createCompressImage } from './compress-image.use-case';

const ORIGINALS = 'originals';
const PROCESSED = 'processed';

async function arrange(bytes: Buffer, options = {}) {
  const store = new InMemoryObjectStore();
  const key = 'uploads/user-1/img-1/photo.jpg';
  await store.put({ bucket: ORIGINALS, key, body: bytes, contentType: 'image/jpeg' });
  const input: ImageUploadedData = {
    imageId: 'img-1',
    userId: 'user-1',
    original: { bucket: ORIGINALS, key, size: bytes.length, contentHash: 'etag:abc', contentType: 'image/jpeg', filename: 'photo.jpg' },
    format: 'jpeg',
    renditionsVersion: 'rs-000000000000',
    uploadedAt: '2026-11-23T10:00:00.000Z',
  };
  const compressImage = createCompressImage({ store, processedBucket: PROCESSED, originalsBucket: ORIGINALS, options });
  return { store, input, compressImage };
}

describe('compress image use case', () => {
  it('writes a WebP under compressed/{user}/{image}/ in the processed bucket and reports it', async () => {
    const { store, input, compressImage } = await arrange(await testImage('jpeg'));

    const result = await compressImage(input);

    expect(ImageCompressedDataSchema.parse(result)).toEqual(result);
    expect(result.compressedKey).toBe('compressed/user-1/img-1/full.webp');
    const stored = await store.get({ bucket: PROCESSED, key: result.compressedKey });
    expect(stored.contentType).toBe('image/webp');
    expect(stored.cacheControl).toBe(IMMUTABLE_CACHE_CONTROL);
    expect(stored.size).toBe(result.compressedSize);
    const facts = await probe(stored.body);
    expect(facts).toMatchObject({ format: 'webp', width: 640, height: 480 });
    expect(result.savingsPercent).toBeCloseTo(100 - (result.compressedSize / result.originalSize) * 100, 0);
    expect(await store.list(ORIGINALS, '')).toEqual([input.original.key]);
  });

  it('writes every requested format, WebP first', async () => {
    const { store, input, compressImage } = await arrange(await testImage('jpeg'), { formats: ['webp', 'avif', 'jpeg'] });

    const result = await compressImage(input);

    expect(result.variants.map((v) => v.format)).toEqual(['webp', 'avif', 'jpeg']);
    expect(await store.list(PROCESSED, 'compressed/user-1/img-1/')).toEqual([
      'compressed/user-1/img-1/full.avif',
      'compressed/user-1/img-1/full.jpg',
      'compressed/user-1/img-1/full.webp',
    ]);
  });

  it('is idempotent: the same input writes the same keys with the same bytes', async () => {
    const { store, input, compressImage } = await arrange(await testImage('jpeg'));

    const first = await compressImage(input);
    const firstBytes = (await store.get({ bucket: PROCESSED, key: first.compressedKey })).body;
    const second = await compressImage(input);

    expect(second.variants).toEqual(first.variants);
    expect((await store.get({ bucket: PROCESSED, key: second.compressedKey })).body).toEqual(firstBytes);
  });

  it('refuses bad input with a classified error and writes nothing', async () => {
    const { store, input, compressImage } = await arrange(await testImage('truncated-jpeg'));

    const error = await compressImage(input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidImageError);
    expect((error as InvalidImageError).code).toBe('CORRUPT');
    expect(await store.list(PROCESSED, '')).toEqual([]);
    expect(await store.head({ bucket: ORIGINALS, key: input.original.key })).toBeDefined();
  });

  it('never writes into the originals bucket', async () => {
    const store = new InMemoryObjectStore();
    const bytes = await testImage('jpeg');
    await store.put({ bucket: ORIGINALS, key: 'uploads/u/i/a.jpg', body: bytes, contentType: 'image/jpeg' });
    const compressImage = createCompressImage({ store, processedBucket: ORIGINALS, originalsBucket: ORIGINALS });
    const input = (await arrange(bytes)).input;

    await expect(compressImage({ ...input, original: { ...input.original, key: 'uploads/u/i/a.jpg' } })).rejects.toThrow(
      /originals/,
    );
    expect(await store.list(ORIGINALS, '')).toEqual(['uploads/u/i/a.jpg']);
  });
});
