import * as z from 'zod/mini';
import { DeliveryRecordSchema } from '@imgpipe/contracts/delivery-record';
import { buildDeliveryRecord, deliveryUrl, type DeliveryInput } from './delivery-record';
import { parseNegotiatedKey } from './negotiate-image-format';

const CDN = 'https://d111.cloudfront.net';
const input: DeliveryInput = {
  cdnBaseUrl: `${CDN}/`,
  userId: 'u1',
  imageId: 'img1',
  version: 'abc123',
  variants: [
    { key: 'compressed/u1/img1/abc123/full.jpg', format: 'jpeg', width: 1200, height: 800, size: 90_000 },
    { key: 'compressed/u1/img1/abc123/full.webp', format: 'webp', width: 1200, height: 800, size: 60_000 },
  ],
  renditions: [
    { name: 'small', key: 'thumbnails/u1/img1/def456/small.jpg', format: 'jpeg', width: 300, height: 200, size: 9_000 },
    { name: 'card', key: 'thumbnails/u1/img1/def456/card.jpg', format: 'jpeg', width: 300, height: 300, size: 8_000 },
  ],
  served: { kind: 'encoded', format: 'webp', savingsPercent: 40, quality: 72, ssimulacra2: 81.2 },
  placeholder: { thumbHash: '1QcSHQRnh493V4dIh4eXh1h4kJUI', dominantColour: '#6b8fb3', aspectRatio: 1.5 },
};

describe('buildDeliveryRecord', () => {
  const record = buildDeliveryRecord(input);

  it('builds a record its contract accepts, with absolute URLs = CDN base + key', () => {
    expect(z.safeParse(DeliveryRecordSchema, record).success).toBe(true);
    expect(record.variants.map((v) => v.url)).toEqual([
      `${CDN}/compressed/u1/img1/abc123/full.webp`,
      `${CDN}/compressed/u1/img1/abc123/full.jpg`,
    ]);
    expect(record.renditions[0]).toEqual({
      name: 'small',
      url: `${CDN}/thumbnails/u1/img1/def456/small.jpg`,
      key: 'thumbnails/u1/img1/def456/small.jpg',
      format: 'jpeg',
      width: 300,
      height: 200,
      bytes: 9_000,
    });
  });

  it('says which file is served and which formats exist, and negotiates only among those', () => {
    expect(record.served).toEqual({
      kind: 'encoded',
      format: 'webp',
      url: `${CDN}/compressed/u1/img1/abc123/full.webp`,
      bytes: 60_000,
      savingsPercent: 40,
      quality: 72,
      ssimulacra2: 81.2,
    });
    expect(record.formats).toEqual(['webp', 'jpeg']);
    expect(record.negotiatedUrl).toBe(`${CDN}/compressed/u1/img1/abc123/full~webp~jpeg`);
    expect(parseNegotiatedKey(record.negotiatedUrl.slice(CDN.length + 1))?.formats).toEqual(['webp', 'jpeg']);
  });

  it('puts only files of the full image shape in a srcset (never the square card), narrowest first', () => {
    expect(record.srcset).toEqual({
      webp: `${CDN}/compressed/u1/img1/abc123/full.webp 1200w`,
      jpeg: `${CDN}/thumbnails/u1/img1/def456/small.jpg 300w, ${CDN}/compressed/u1/img1/abc123/full.jpg 1200w`,
    });
  });

  it('writes a <picture> whose JPEG <img> carries width, height and the sizes; no WebP source that offers only the full-size file', () => {
    // A WebP <source> with just full.webp would win in every browser that takes WebP and load the
    // full-size file at any viewport, although the JPEG srcset has a 300 px file.
    expect(record.picture).toBe(
      [
        '<picture>',
        `  <img src="${CDN}/compressed/u1/img1/abc123/full.jpg" srcset="${record.srcset.jpeg}" sizes="100vw" width="1200" height="800" alt="" loading="lazy" decoding="async">`,
        '</picture>',
      ].join('\n'),
    );
  });

  it('writes a WebP <source> when WebP offers sizes too, or when the fallback has no smaller file either', () => {
    const webpSizes = buildDeliveryRecord({
      ...input,
      renditions: [...input.renditions, { name: 'small-webp', key: 'thumbnails/u1/img1/def456/small.webp', format: 'webp', width: 300, height: 200, size: 6_000 }],
    });
    expect(webpSizes.picture).toContain(
      `  <source type="image/webp" srcset="${CDN}/thumbnails/u1/img1/def456/small.webp 300w, ${CDN}/compressed/u1/img1/abc123/full.webp 1200w" sizes="100vw">`,
    );
    const fullOnly = buildDeliveryRecord({ ...input, renditions: [] });
    expect(fullOnly.picture).toContain(`  <source type="image/webp" srcset="${CDN}/compressed/u1/img1/abc123/full.webp 1200w" sizes="100vw">`);
  });

  it('gives each format its own srcset over its renditions when the set writes WebP and JPEG (the gallery set), AVIF full-size only', () => {
    const key = (name: string, ext: string) => `thumbnails/u1/img1/def456/${name}.${ext}`;
    const both = (name: string, width: number, height: number, size: number) => [
      { name, key: key(name, 'jpg'), format: 'jpeg' as const, width, height, size },
      { name, key: key(name, 'webp'), format: 'webp' as const, width, height, size: Math.round(size * 0.7) },
    ];
    const gallery = buildDeliveryRecord({
      ...input,
      variants: [...input.variants, { key: 'compressed/u1/img1/abc123/full.avif', format: 'avif', width: 1200, height: 800, size: 40_000 }],
      renditions: [...both('small', 150, 100, 5_000), ...both('large', 600, 400, 40_000), ...both('card', 400, 400, 20_000), ...both('display', 1000, 667, 70_000)],
      served: { kind: 'encoded', format: 'avif', savingsPercent: 60 },
    });

    expect(z.safeParse(DeliveryRecordSchema, gallery).success).toBe(true);
    expect(gallery.renditions.filter((r) => r.name === 'card').map((r) => r.format)).toEqual(['jpeg', 'webp']);
    const entries = (ext: string) => `${CDN}/${key('small', ext)} 150w, ${CDN}/${key('large', ext)} 600w, ${CDN}/${key('display', ext)} 1000w`;
    expect(gallery.srcset).toEqual({
      avif: `${CDN}/compressed/u1/img1/abc123/full.avif 1200w`,
      webp: `${entries('webp')}, ${CDN}/compressed/u1/img1/abc123/full.webp 1200w`,
      jpeg: `${entries('jpg')}, ${CDN}/compressed/u1/img1/abc123/full.jpg 1200w`,
    });
    // WebP offers sizes: its <source>; AVIF offers only the full-size file while JPEG has sizes: none.
    expect(gallery.picture).toBe(
      [
        '<picture>',
        `  <source type="image/webp" srcset="${gallery.srcset.webp}" sizes="100vw">`,
        `  <img src="${CDN}/compressed/u1/img1/abc123/full.jpg" srcset="${gallery.srcset.jpeg}" sizes="100vw" width="1200" height="800" alt="" loading="lazy" decoding="async">`,
        '</picture>',
      ].join('\n'),
    );
  });

  it('serves the original when honest output says so, and its URL is the only one negotiated', () => {
    const original = buildDeliveryRecord({
      ...input,
      variants: [{ key: 'compressed/u1/img1/abc123/full.jpg', format: 'jpeg', width: 1200, height: 800, size: 50_000 }],
      served: { kind: 'original', format: 'jpeg', savingsPercent: 0 },
    });
    expect(original.served.kind).toBe('original');
    expect(original.formats).toEqual(['jpeg']);
    expect(original.negotiatedUrl).toBe(`${CDN}/compressed/u1/img1/abc123/full~jpeg`);
    expect(original.picture).not.toContain('<source');
  });

  it('serves an original GIF as gif: negotiated, the <picture> fallback, and no first-frame still in its srcset', () => {
    const gifKey = 'compressed/u1/img1/abc123/full.gif';
    const onlyGif = buildDeliveryRecord({
      ...input,
      variants: [{ key: gifKey, format: 'gif', width: 1200, height: 800, size: 40_000 }],
      served: { kind: 'original', format: 'gif', savingsPercent: 0 },
    });
    expect(z.safeParse(DeliveryRecordSchema, onlyGif).success).toBe(true);
    expect(onlyGif.served).toMatchObject({ kind: 'original', format: 'gif', url: `${CDN}/${gifKey}` });
    expect(onlyGif.formats).toEqual(['gif']);
    expect(onlyGif.negotiatedUrl).toBe(`${CDN}/compressed/u1/img1/abc123/full~gif`);
    // The JPEG renditions are stills of the first frame: they stay renditions (cards), never the image's srcset.
    expect(onlyGif.srcset).toEqual({ gif: `${CDN}/${gifKey} 1200w` });
    expect(onlyGif.renditions.map((r) => r.name)).toEqual(['small', 'card']);
    expect(onlyGif.picture).toContain(`<img src="${CDN}/${gifKey}" srcset="${CDN}/${gifKey} 1200w"`);
    expect(onlyGif.picture).not.toContain('.jpg');

    // An animated WebP that saved enough is served; the GIF stays the fallback of a client without WebP.
    const withWebp = buildDeliveryRecord({
      ...input,
      variants: [
        { key: 'compressed/u1/img1/abc123/full.webp', format: 'webp', width: 1200, height: 800, size: 30_000 },
        { key: gifKey, format: 'gif', width: 1200, height: 800, size: 40_000 },
      ],
      served: { kind: 'encoded', format: 'webp', savingsPercent: 25 },
    });
    expect(withWebp.formats).toEqual(['webp', 'gif']);
    expect(withWebp.negotiatedUrl).toBe(`${CDN}/compressed/u1/img1/abc123/full~webp~gif`);
    expect(withWebp.picture).toContain(`<source type="image/webp" srcset="${CDN}/compressed/u1/img1/abc123/full.webp 1200w"`);
    expect(withWebp.picture).toContain(`<img src="${CDN}/${gifKey}"`);
  });

  it('refuses to build a record whose served file does not exist', () => {
    expect(() => buildDeliveryRecord({ ...input, served: { kind: 'encoded', format: 'avif', savingsPercent: 50 } })).toThrow(
      'no avif variant',
    );
  });

  it('percent-encodes key segments and escapes attributes, so a hostile user id cannot break the markup', () => {
    expect(deliveryUrl('/cdn', 'compressed/a b"<x>/i/v/full.jpg')).toBe('/cdn/compressed/a%20b%22%3Cx%3E/i/v/full.jpg');
    const hostile = buildDeliveryRecord({
      ...input,
      userId: 'u"><script>',
      variants: input.variants.map((v) => ({ ...v, key: v.key.replace('u1', 'u"><script>') })),
    });
    expect(hostile.picture).not.toMatch(/<script|"></);
  });
});
