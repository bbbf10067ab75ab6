import { InMemoryObjectStore } from '@imgpipe/platform';
import { cdnKey, etagMatches, NEGOTIATED_CACHE_CONTROL, serveCdn } from './cdn';
import { isLoopback } from './http-server';

describe('/cdn paths', () => {
  it('serve only the processed outputs, and never climb out of them', () => {
    expect(cdnKey('thumbnails/u1/img1/small.jpg')).toBe('thumbnails/u1/img1/small.jpg');
    expect(cdnKey('compressed/u1/img%201/full.webp')).toBe('compressed/u1/img 1/full.webp');
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
      await store.put({ bucket: 'processed', key: `compressed/u1/img1/full.${ext}`, body: Buffer.from(ext), contentType: type });
    }
  });

  it('negotiates the full-size format from Accept, with Vary and a short cache lifetime', async () => {
    const webp = await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/u1/img1/full', accept: 'image/webp,*/*' });
    expect(webp).toMatchObject({
      status: 200,
      headers: { 'content-type': 'image/webp', vary: 'Accept', 'cache-control': NEGOTIATED_CACHE_CONTROL },
    });
    expect(Buffer.from(webp.body ?? []).toString()).toBe('webp');

    const avifOnly = await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/u1/img1/full', accept: 'image/avif' });
    expect(avifOnly.headers['content-type']).toBe('image/jpeg');
  });

  it('answers HEAD without a body, 404 for what is not there, 405 for other methods', async () => {
    const head = await serveCdn(store, 'processed', { method: 'HEAD', path: 'compressed/u1/img1/full.webp' });
    expect(head).toMatchObject({ status: 200, headers: { 'content-length': '4' } });
    expect(head.body).toBeUndefined();
    expect((await serveCdn(store, 'processed', { method: 'GET', path: 'compressed/u1/nope/full' })).status).toBe(404);
    expect((await serveCdn(store, 'processed', { method: 'GET', path: 'thumbnails/u1/img1/x.jpg' })).status).toBe(404);
    expect((await serveCdn(store, 'processed', { method: 'PUT', path: 'thumbnails/u1/img1/x.jpg' })).status).toBe(405);
  });
});

describe('isLoopback', () => {
  it('accepts this machine only', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(address)).toBe(true);
    for (const address of ['10.0.0.1', '::ffff:192.168.1.1', '0.0.0.0', undefined]) expect(isLoopback(address)).toBe(false);
  });
});
