import { createCompressImage } from '@imgpipe/compress';
import { buildDeliveryRecord } from '@imgpipe/delivery';
import { probe } from '@imgpipe/image-ops';
import { testImage } from '@imgpipe/image-ops/testing';
import { InMemoryObjectStore } from '@imgpipe/platform/testing';
import { cdnKey, etagMatches, MAX_KEY_BYTES, NEGOTIATED_CACHE_CONTROL, parseCdnPath, serveCdn } from './cdn';
import { isLoopback } from './http-server';

describe('/cdn paths', () => {
  it('serve only the processed outputs, and never climb out of them', () => {
    expect(cdnKey('thumbnails/u1/img1/v1/small.jpg')).toBe('thumbnails/u1/img1/v1/small.jpg');
    // Decoded; an id outside the layout (`img 1`: ImageId has no spaces) is no key at all.
    expect(cdnKey('compressed/dev%40example.com/img1/v1/full.webp')).toBe('compressed/dev@example.com/img1/v1/full.webp');
    expect(cdnKey('compressed/u1/img%201/v1/full.webp')).toBeUndefined();
    // The unversioned layout of before issue 11 is still read (images processed then), never written.
    expect(cdnKey('thumbnails/u1/img1/small.jpg')).toBe('thumbnails/u1/img1/small.jpg');
    expect(cdnKey('thumbnails/u1/img1/x/y/small.jpg')).toBeUndefined();
    expect(cdnKey('uploads/u1/img1/a.jpg')).toBeUndefined();
    expect(cdnKey('thumbnails/../uploads/u1/img1/a.jpg')).toBeUndefined();
    expect(cdnKey('thumbnails/u1%2F..%2F..%2Fx/a.jpg')).toBeUndefined();
    expect(cdnKey('thumbnails//a.jpg')).toBeUndefined();
    expect(cdnKey('thumbnails/%E0%A4%A.jpg')).toBeUndefined();
  });

  it('compare ETags weakly, in lists, and with *', () => {
    expect(etagMatches('"abc"', '"abc"')).toBe(true);
    expect(etagMatches('W/"abc"', '"abc"')).toBe(true);
    expect(etagMatches('"x", "abc"', '"abc"')).toBe(true);
    expect(etagMatches('*', '"abc"')).toBe(true);
    expect(etagMatches('"x"', '"abc"')).toBe(false);
    expect(etagMatches(undefined, '"abc"')).toBe(false);
  });
});

describe('serveCdn', () => {
  const store = new InMemoryObjectStore();
  beforeAll(async () => {
    for (const [ext, type] of [
      ['webp', 'image/webp'],
      ['jpg', 'image/jpeg'],
    ] as const) {
      await store.put({ bucket: 'processed', key: `compressed/u1/img1/v1/full.${ext}`, body: Buffer.from(ext), contentType: type });
    }
  });

  it('negotiates the full-size format from Accept among those the URL names, with Vary, immutable', async () => {
    const webp = await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/u1/img1/v1/full~webp~jpeg', accept: 'image/webp,*/*' });
    expect(webp).toMatchObject({
      status: 200,
      headers: { 'content-type': 'image/webp', vary: 'Accept', 'cache-control': NEGOTIATED_CACHE_CONTROL },
    });
    expect(Buffer.from(webp.body ?? []).toString()).toBe('webp');

    const avifOnly = await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/u1/img1/v1/full~webp~jpeg', accept: 'image/avif' });
    expect(avifOnly.headers['content-type']).toBe('image/jpeg');
    const jpeg = await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/u1/img1/v1/full~webp~jpeg', accept: 'image/jpeg' });
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    // Only what the URL names, even when more is stored: a URL names one run's files.
    const webpOnly = await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/u1/img1/v1/full~webp', accept: 'image/jpeg' });
    expect(webpOnly.headers['content-type']).toBe('image/webp');
    // A format the URL names that is not stored (a forged URL): 404, never another file.
    expect((await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/u1/img1/v1/full~avif', accept: 'image/avif' })).status).toBe(404);
  });

  it('answers HEAD without a body, 404 for what is not there, 405 for other methods', async () => {
    const head = await serveCdn(store, 'processed', { method: 'HEAD', path: 'compressed/u1/img1/v1/full.webp' });
    expect(head).toMatchObject({ status: 200, headers: { 'content-length': '4' } });
    expect(head.body).toBeUndefined();
    expect((await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/u1/nope/v1/full~webp' })).status).toBe(404);
    expect((await serveCdn(store, 'processed', { method: 'GET', path: 'thumbnails/u1/img1/v1/x.jpg' })).status).toBe(404);
    expect((await serveCdn(store, 'processed', { method: 'PUT', path: 'thumbnails/u1/img1/x.jpg' })).status).toBe(405);
  });
});

describe('serveCdn, an animated GIF whose WebP would be larger (issue 11)', () => {
  it('serves the original GIF, animated, at the record URLs and to every Accept, never a JPEG still', async () => {
    const store = new InMemoryObjectStore();
    const gif = await testImage('gif-animated-webp-larger');
    const key = 'uploads/u1/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/spinner.gif';
    await store.put({ bucket: 'originals', key, body: gif, contentType: 'image/gif' });
    const compressImage = createCompressImage({ store, processedBucket: 'processed', originalsBucket: 'originals', options: { formats: ['webp', 'jpeg'] } });
    const compressed = await compressImage({
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: 'u1',
      original: { bucket: 'originals', key, size: gif.length, contentHash: 'etag:1', contentType: 'image/gif', filename: 'spinner.gif' },
      format: 'gif',
      renditionsVersion: 'rs-000000000000',
      uploadedAt: '2026-12-05T10:00:00.000Z',
    });
    const [served] = compressed.variants;
    if (!served) throw new Error('compress wrote no file');
    const record = buildDeliveryRecord({
      cdnBaseUrl: '/cdn',
      userId: 'u1',
      imageId: compressed.imageId,
      version: compressed.version,
      variants: compressed.variants,
      renditions: [],
      served: { kind: compressed.output.kind, format: served.format, savingsPercent: compressed.savingsPercent },
    });
    expect(record.formats).toEqual(['gif']);

    for (const url of [record.negotiatedUrl, record.served.url]) {
      for (const accept of ['image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', 'image/jpeg', undefined]) {
        const response = await serveCdn(store, 'processed', { method: 'GET', path: url.slice('/cdn/'.length), ...(accept ? { accept } : {}) });
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toBe('image/gif');
        expect(Buffer.from(response.body ?? [])).toEqual(gif);
      }
    }
    expect(await probe(gif)).toMatchObject({ format: 'gif', animated: true, pages: 8 });
    expect(record.negotiatedUrl).toMatch(/\/full~gif$/);
  });
});

describe('/cdn keys, malformed or outside the layout', () => {
  it.each([
    ['a NUL', 'compressed/%00'],
    ['a NUL inside a segment', 'thumbnails/u1/img1/sm%00all.jpg'],
    ['a control character', 'thumbnails/u1/img%0A1/small.jpg'],
    ['bad percent-encoding', 'thumbnails/u1/img1/%E0%A4%A.jpg'],
    ['a lone %', 'thumbnails/u1/img1/%.jpg'],
    ['a .. segment', 'thumbnails/u1/../small.jpg'],
    ['an encoded .. segment', 'thumbnails/u1/%2E%2E/small.jpg'],
    ['an encoded /', 'thumbnails/u1%2Fimg1/small.jpg'],
    ['an empty segment', 'thumbnails//img1/small.jpg'],
    ['a key over 1024 bytes', `thumbnails/u1/${'a'.repeat(MAX_KEY_BYTES)}/small.jpg`],
    ['a path too long to be a key', 'a'.repeat(MAX_KEY_BYTES * 3 + 1)],
  ])('are refused with 400 INVALID_KEY: %s', (_, path) => {
    expect(parseCdnPath(path)).toMatchObject({ kind: 'refused', status: 400, code: 'INVALID_KEY' });
  });

  it.each([
    ['the originals', 'uploads/u1/img1/a.jpg'],
    ['an extension no output has', 'thumbnails/u1/img1/v1/page.html'],
    ['an svg', 'thumbnails/u1/img1/v1/small.svg'],
    ['another depth', 'thumbnails/u1/img1/v1/x/small.jpg'],
    ['a compressed name other than full', 'compressed/u1/img1/v1/other.webp'],
    ['an unversioned negotiated path', 'compressed/u1/img1/full'],
    ['a negotiated path naming no format', 'compressed/u1/img1/v1/full~'],
    ['an image id outside ImageId', 'thumbnails/u1/img%201/v1/small.jpg'],
    ['a user id outside the key-safe ids', 'thumbnails/.u1/img1/v1/small.jpg'],
  ])('answer 404 when well formed but outside the derivative layout: %s', (_, path) => {
    expect(parseCdnPath(path)).toMatchObject({ kind: 'refused', status: 404 });
  });

  it('name the stored derivative and the format its extension names', () => {
    expect(parseCdnPath('thumbnails/u1/img1/v1/small.jpg')).toEqual({ kind: 'object', key: 'thumbnails/u1/img1/v1/small.jpg', format: 'jpeg' });
    expect(parseCdnPath('compressed/dev%40example.com/img1/v1/full.avif')).toEqual({ kind: 'object', key: 'compressed/dev@example.com/img1/v1/full.avif', format: 'avif' });
    expect(parseCdnPath('compressed/u1/img1/v1/full~webp')).toEqual({
      kind: 'negotiated',
      key: 'compressed/u1/img1/v1/full~webp',
      negotiated: { userId: 'u1', imageId: 'img1', version: 'v1', formats: ['webp'] },
    });
  });
});

describe('serveCdn content types', () => {
  const store = new InMemoryObjectStore();
  beforeAll(async () => {
    // What an unsigned PUT into the processed bucket could leave there.
    await store.put({ bucket: 'processed', key: 'thumbnails/u1/img1/v1/small.jpg', body: Buffer.from('<script>alert(1)</script>'), contentType: 'text/html' });
    await store.put({ bucket: 'processed', key: 'thumbnails/u1/img1/v1/page.html', body: Buffer.from('<script>alert(1)</script>'), contentType: 'text/html' });
    await store.put({ bucket: 'processed', key: 'thumbnails/u1/img1/v1/plain.png', body: Buffer.from('png'), contentType: 'application/octet-stream' });
  });

  it('name the type from the key’s extension, never the stored Content-Type, always with nosniff', async () => {
    const html = await serveCdn(store, 'processed', { method: 'GET', path: 'thumbnails/u1/img1/v1/small.jpg' });
    expect(html).toMatchObject({ status: 200, headers: { 'content-type': 'image/jpeg', 'x-content-type-options': 'nosniff' } });
    const untyped = await serveCdn(store, 'processed', { method: 'GET', path: 'thumbnails/u1/img1/v1/plain.png' });
    expect(untyped.headers).toMatchObject({ 'content-type': 'image/png', 'x-content-type-options': 'nosniff' });
  });

  it('never serve a key whose extension names no image type, stored or not', async () => {
    const page = await serveCdn(store, 'processed', { method: 'GET', path: 'thumbnails/u1/img1/v1/page.html' });
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('say nosniff on refusals and 304s too', async () => {
    expect((await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/%00' })).headers['x-content-type-options']).toBe('nosniff');
    const etag = (await serveCdn(store, 'processed', { method: 'HEAD', path: 'thumbnails/u1/img1/v1/plain.png' })).headers['etag'];
    const notModified = await serveCdn(store, 'processed', { method: 'GET', path: 'thumbnails/u1/img1/v1/plain.png', ifNoneMatch: etag ?? '*' });
    expect(notModified).toMatchObject({ status: 304, headers: { 'x-content-type-options': 'nosniff' } });
  });
});

describe('isLoopback', () => {
  it('accepts this machine only', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(address)).toBe(true);
    for (const address of ['10.0.0.1', '::ffff:192.168.1.1', '0.0.0.0', undefined]) expect(isLoopback(address)).toBe(false);
  });
});
