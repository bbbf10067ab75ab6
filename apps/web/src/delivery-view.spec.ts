import { DeliveryRecordSchema, type DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { buildDeliveryRecord, type StoredFile } from '@imgpipe/delivery';
import * as z from 'zod/mini';
import { baseName, cardImage, DISPLAY_SIZES, displayImage, formatLabel, panelFiles, servedAsText, srcsetSnippets } from './delivery-view';

const CDN = 'http://127.0.0.1:3000/cdn';
const file = (name: string, format: StoredFile['format'], width: number, height: number, size: number): StoredFile & { name: string } => ({
  name,
  key: `${name === 'full' ? 'compressed' : 'thumbnails'}/u1/img1/v1/${name}.${format === 'jpeg' ? 'jpg' : format}`,
  format,
  width,
  height,
  size,
});

/** A record as the pipeline builds it (the one builder), validated by its contract. */
function record(overrides: { variants?: StoredFile[]; served?: Parameters<typeof buildDeliveryRecord>[0]['served'] } = {}): DeliveryRecord {
  const variants = overrides.variants ?? [file('full', 'webp', 5640, 3760, 3_600_000), file('full', 'jpeg', 5640, 3760, 5_100_000)];
  const built = buildDeliveryRecord({
    cdnBaseUrl: CDN,
    userId: 'u1',
    imageId: 'img1',
    version: 'v1',
    variants,
    renditions: [
      file('large', 'webp', 1200, 800, 90_000),
      file('card', 'webp', 400, 400, 20_000),
      file('display', 'webp', 1600, 1067, 160_000),
      file('small', 'webp', 300, 200, 9_000),
    ],
    served: overrides.served ?? { kind: 'encoded', format: 'webp', savingsPercent: 29.4 },
    placeholder: { thumbHash: '1QcSHQRnh493V4dIh4eXh1h4kJUI', dominantColour: '#6b8fb3', aspectRatio: 1.5 },
  });
  return z.parse(DeliveryRecordSchema, built);
}

describe('displayImage', () => {
  it('offers the display-sized renditions in the srcset with the page’s sizes, so the full-size file is only one candidate', () => {
    const display = displayImage(record());
    // The JPEG full size is the <img>'s fallback; WebP a <source> whose srcset holds display (1600w) and large.
    expect(display.src).toBe(`${CDN}/compressed/u1/img1/v1/full.jpg`);
    expect(display.sources).toEqual([{ type: 'image/webp', srcset: expect.stringContaining('/display.webp 1600w') as string }]);
    expect(display.sources[0]?.srcset).toContain('/large.webp 1200w');
    expect(display.sources[0]?.srcset).not.toContain('card.webp');
    expect(display.sizes).toBe(DISPLAY_SIZES);
    expect(display.sizes).not.toBe('100vw');
    expect([display.width, display.height]).toEqual([5640, 3760]);
  });

  it('leaves out a format whose srcset holds only the full-size file (renditions made in another format)', () => {
    const built = buildDeliveryRecord({
      cdnBaseUrl: CDN,
      userId: 'u1',
      imageId: 'img1',
      version: 'v1',
      variants: [file('full', 'webp', 5640, 3760, 3_600_000), file('full', 'jpeg', 5640, 3760, 2_500_000)],
      renditions: [file('display', 'jpeg', 1600, 1067, 160_000), file('large', 'jpeg', 600, 400, 12_000)],
      served: { kind: 'encoded', format: 'jpeg', savingsPercent: 50 },
    });
    expect(built.srcset.webp).toBe(`${CDN}/compressed/u1/img1/v1/full.webp 5640w`);
    const display = displayImage(z.parse(DeliveryRecordSchema, built));
    expect(display.sources).toEqual([]);
    expect(display.src).toBe(`${CDN}/compressed/u1/img1/v1/full.jpg`);
    expect(display.srcset).toContain('/display.jpg 1600w');
  });

  it('puts the <img> on the only format when there is one (no <source>)', () => {
    const display = displayImage(record({ variants: [file('full', 'webp', 5640, 3760, 3_600_000)] }));
    expect(display.sources).toEqual([]);
    expect(display.src).toBe(`${CDN}/compressed/u1/img1/v1/full.webp`);
    expect(display.srcset).toContain('/display.webp 1600w');
  });
});

describe('an original GIF kept as it is (animated, every WebP larger)', () => {
  const gifRecord = (variants: StoredFile[], served: Parameters<typeof buildDeliveryRecord>[0]['served']): DeliveryRecord =>
    z.parse(
      DeliveryRecordSchema,
      buildDeliveryRecord({
        cdnBaseUrl: CDN,
        userId: 'u1',
        imageId: 'img1',
        version: 'v1',
        variants,
        // Renditions of an animation are stills of its first frame.
        renditions: [file('display', 'jpeg', 1600, 1067, 160_000), file('card', 'jpeg', 400, 400, 20_000)],
        served,
      }),
    );

  it('shows the GIF itself, never a JPEG still of its first frame, and says it is served as GIF', () => {
    const record = gifRecord([file('full', 'gif', 1800, 1200, 400_000)], { kind: 'original', format: 'gif', savingsPercent: 0 });
    const display = displayImage(record);
    expect(display.src).toBe(`${CDN}/compressed/u1/img1/v1/full.gif`);
    expect(display.sources).toEqual([]);
    expect(display.srcset).toBe(`${CDN}/compressed/u1/img1/v1/full.gif 1800w`);
    expect(servedAsText(record)).toBe('Served as GIF. The original file is handed back unchanged: no re-encode was smaller.');
    expect(panelFiles(record, 'spinner.gif')[0]).toMatchObject({ downloadName: 'spinner.gif' });
  });

  it('offers an animated WebP that saved enough as a <source> over the GIF', () => {
    const record = gifRecord(
      [file('full', 'webp', 1800, 1200, 300_000), file('full', 'gif', 1800, 1200, 400_000)],
      { kind: 'encoded', format: 'webp', savingsPercent: 25 },
    );
    const display = displayImage(record);
    expect(display.sources).toEqual([{ type: 'image/webp', srcset: `${CDN}/compressed/u1/img1/v1/full.webp 1800w` }]);
    expect(display.src).toBe(`${CDN}/compressed/u1/img1/v1/full.gif`);
    expect(servedAsText(record)).toBe('Served as WebP or GIF, whichever your browser accepts best.');
  });
});

/** A record of the gallery set: every rendition in JPEG (first, the fallback) and WebP, as the thumbnail task writes them. */
function galleryRecord(): DeliveryRecord {
  const both = (name: string, width: number, height: number, size: number) => [file(name, 'jpeg', width, height, size), file(name, 'webp', width, height, Math.round(size * 0.7))];
  const built = buildDeliveryRecord({
    cdnBaseUrl: CDN,
    userId: 'u1',
    imageId: 'img1',
    version: 'v1',
    variants: [file('full', 'webp', 5640, 3760, 3_600_000), file('full', 'jpeg', 5640, 3760, 5_100_000)],
    renditions: [...both('small', 150, 100, 6_000), ...both('large', 600, 400, 60_000), ...both('card', 400, 400, 30_000), ...both('display', 1600, 1067, 200_000)],
    served: { kind: 'encoded', format: 'webp', savingsPercent: 29.4 },
  });
  return z.parse(DeliveryRecordSchema, built);
}

describe('renditions in WebP and JPEG (the gallery set)', () => {
  it('gives the display image a WebP <source> over WebP renditions and a JPEG <img> over JPEG ones', () => {
    const display = displayImage(galleryRecord());
    expect(display.sources).toEqual([{ type: 'image/webp', srcset: expect.stringContaining('/display.webp 1600w') as string }]);
    expect(display.sources[0]?.srcset).not.toContain('.jpg');
    expect(display.srcset).toContain('/display.jpg 1600w');
    expect(display.srcset).not.toContain('.webp');
    expect(display.src).toBe(`${CDN}/compressed/u1/img1/v1/full.jpg`);
  });

  it('gives the gallery card the WebP card as a <source> and the JPEG card as its <img>', () => {
    expect(cardImage(galleryRecord())).toEqual({
      fallback: expect.objectContaining({ name: 'card', format: 'jpeg', url: `${CDN}/thumbnails/u1/img1/v1/card.jpg` }) as unknown,
      sources: [{ type: 'image/webp', srcset: `${CDN}/thumbnails/u1/img1/v1/card.webp` }],
    });
    // A record whose renditions exist in one format: that file, no <source>.
    expect(cardImage(record())).toEqual({ fallback: expect.objectContaining({ name: 'card', format: 'webp' }) as unknown, sources: [] });
  });

  it('lists every rendition in each of its formats in the panel, with distinct slugs and download names', () => {
    const files = panelFiles(galleryRecord(), 'harbour.jpg');
    expect(files.map((f) => f.label)).toEqual([
      'Full size · WebP',
      'Full size · JPEG',
      ...['small', 'large', 'card', 'display'].flatMap((name) => [`${name} · JPEG`, `${name} · WebP`]),
    ]);
    expect(new Set(files.map((f) => f.slug)).size).toBe(files.length);
    expect(new Set(files.map((f) => f.downloadName)).size).toBe(files.length);
    expect(files.find((f) => f.slug === 'display-webp')).toMatchObject({ downloadName: 'harbour-display.webp', file: { url: `${CDN}/thumbnails/u1/img1/v1/display.webp` } });
  });
});

describe('servedAsText', () => {
  it('names only the formats that exist', () => {
    expect(servedAsText(record())).toBe('Served as WebP or JPEG, whichever your browser accepts best.');
    expect(servedAsText(record({ variants: [file('full', 'webp', 5640, 3760, 1)] }))).toBe('Served as WebP.');
    expect(servedAsText({ formats: ['avif', 'webp', 'jpeg'], served: record().served })).toBe('Served as AVIF, WebP or JPEG, whichever your browser accepts best.');
  });

  it('says when the original or a lossless re-encode is handed back instead of a larger lossy file', () => {
    const original = record({ variants: [file('full', 'jpeg', 640, 480, 20_000)], served: { kind: 'original', format: 'jpeg', savingsPercent: 0 } });
    expect(servedAsText(original)).toBe('Served as JPEG. The original file is handed back unchanged: no re-encode was smaller.');
    const lossless = record({ variants: [file('full', 'webp', 640, 480, 20_000)], served: { kind: 'lossless', format: 'webp', savingsPercent: 3 } });
    expect(servedAsText(lossless)).toContain('A lossless WebP re-encode of the original');
  });
});

describe('panelFiles', () => {
  it('lists the full-size variants, then the renditions in size order, each with a download name of the upload’s', () => {
    const files = panelFiles(record(), 'Harbour at dusk.JPG');
    expect(files.map((f) => f.label)).toEqual(['Full size · WebP', 'Full size · JPEG', 'small · WebP', 'large · WebP', 'card · WebP', 'display · WebP']);
    expect(files.map((f) => f.downloadName)).toEqual([
      'Harbour at dusk.webp',
      'Harbour at dusk.jpg',
      'Harbour at dusk-small.webp',
      'Harbour at dusk-large.webp',
      'Harbour at dusk-card.webp',
      'Harbour at dusk-display.webp',
    ]);
    expect(files[5]?.file).toMatchObject({ url: `${CDN}/thumbnails/u1/img1/v1/display.webp`, width: 1600, bytes: 160_000 });
  });

  it('keeps path and control characters out of a download name', () => {
    expect(baseName('../a/b:c*.png')).toBe('..-a-b-c-');
    expect(baseName('.png')).toBe('.png');
    expect(baseName('a\u0007"b.jpg')).toBe('a--b');
    expect(baseName('  ')).toBe('image');
  });
});

describe('srcsetSnippets and formatLabel', () => {
  it('gives one srcset a format, in delivery order', () => {
    expect(srcsetSnippets(record()).map((s) => s.format)).toEqual(['webp', 'jpeg']);
    expect(formatLabel('webp')).toBe('WebP');
    expect(formatLabel('heif')).toBe('HEIC/HEIF');
    expect(formatLabel('bmp')).toBe('BMP');
  });
});
