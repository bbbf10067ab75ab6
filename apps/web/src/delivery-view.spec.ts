import { DeliveryRecordSchema, type DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { buildDeliveryRecord, type StoredFile, type StoredVariant } from '@imgpipe/delivery';
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

type RecordInput = Omit<Parameters<typeof buildDeliveryRecord>[0], 'cdnBaseUrl' | 'userId' | 'imageId' | 'version'>;

/** Image img1 of u1 at v1 on CDN, built by the pipeline's one builder and validated by its contract. */
function validRecord(input: RecordInput): DeliveryRecord {
  return z.parse(DeliveryRecordSchema, buildDeliveryRecord({ cdnBaseUrl: CDN, userId: 'u1', imageId: 'img1', version: 'v1', ...input }));
}

/** A record as the pipeline builds it (the one builder), validated by its contract. */
function record(overrides: { variants?: StoredFile[]; served?: Parameters<typeof buildDeliveryRecord>[0]['served'] } = {}): DeliveryRecord {
  const variants = overrides.variants ?? [file('full', 'webp', 5640, 3760, 3_600_000), file('full', 'jpeg', 5640, 3760, 5_100_000)];
  return validRecord({
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
    const built = validRecord({
      variants: [file('full', 'webp', 5640, 3760, 3_600_000), file('full', 'jpeg', 5640, 3760, 2_500_000)],
      renditions: [file('display', 'jpeg', 1600, 1067, 160_000), file('large', 'jpeg', 600, 400, 12_000)],
      served: { kind: 'encoded', format: 'jpeg', savingsPercent: 50 },
    });
    expect(built.srcset.webp).toBe(`${CDN}/compressed/u1/img1/v1/full.webp 5640w`);
    const display = displayImage(built);
    expect(display.sources).toEqual([]);
    expect(display.src).toBe(`${CDN}/compressed/u1/img1/v1/full.jpg`);
    expect(display.srcset).toContain('/display.jpg 1600w');
  });

  it('shows the served URL alone for a record with no file of its served format (not one the builder writes), rather than failing the page', () => {
    const built = record();
    const display = displayImage({ ...built, variants: built.variants.filter((v) => v.format !== 'webp') });
    expect(display).toEqual({ sources: [], src: `${CDN}/compressed/u1/img1/v1/full.webp`, sizes: DISPLAY_SIZES, width: 5640, height: 3760 });
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
    validRecord({
      variants,
      // Renditions of an animation are stills of its first frame.
      renditions: [file('display', 'jpeg', 1600, 1067, 160_000), file('card', 'jpeg', 400, 400, 20_000)],
      served,
    });

  it('shows the GIF itself, never a JPEG still of its first frame, and says it is served as GIF', () => {
    const record = gifRecord([file('full', 'gif', 1800, 1200, 400_000)], { kind: 'original', format: 'gif', savingsPercent: 0 });
    const display = displayImage(record);
    expect(display.src).toBe(`${CDN}/compressed/u1/img1/v1/full.gif`);
    expect(display.sources).toEqual([]);
    expect(display.srcset).toBe(`${CDN}/compressed/u1/img1/v1/full.gif 1800w`);
    expect(servedAsText(record)).toBe('Served as GIF. The original file is handed back unchanged: no re-encode was smaller.');
    expect(panelFiles(record, 'spinner.gif')[0]).toMatchObject({ downloadName: 'spinner.gif' });
    // Its srcset is in the panel like any format's (delivery order is @imgpipe/delivery's, GIF last).
    expect(srcsetSnippets(record)).toEqual([{ format: 'gif', text: `${CDN}/compressed/u1/img1/v1/full.gif 1800w` }]);
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
  return validRecord({
    variants: [file('full', 'webp', 5640, 3760, 3_600_000), file('full', 'jpeg', 5640, 3760, 5_100_000)],
    renditions: [...both('small', 150, 100, 6_000), ...both('large', 600, 400, 60_000), ...both('card', 400, 400, 30_000), ...both('display', 1600, 1067, 200_000)],
    served: { kind: 'encoded', format: 'webp', savingsPercent: 29.4 },
  });
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

/**
 * The page's <img> is the record's: both come from @imgpipe/delivery's pictureFallback, so a
 * browser that takes no <source> shows on the page what the copied <picture> snippet shows.
 */
describe('the display image’s <img> is the delivery record’s <picture> fallback', () => {
  // ThumbHashes of the `thumbhash` package (as in libs/delivery's fallback spec): every pixel opaque; the left half transparent.
  const OPAQUE = 'GusCBwBImT6IeHeId0d3iHiPo4UHaI8H';
  const TRANSPARENT = 'GuuCBQBYT5h4d4lnmF9289ZocIp4iIeIiA==';
  const variant = (format: StoredFile['format'], animated?: boolean): StoredVariant => ({
    ...file('full', format, 2400, 1600, format === 'webp' ? 300_000 : 600_000),
    ...(animated === undefined ? {} : { animated }),
  });
  /** The gallery set: every rendition in JPEG and WebP, `card` square. */
  const gallery = ['jpeg', 'webp'].flatMap((format) => [
    file('small', format as StoredFile['format'], 300, 200, 9_000),
    file('display', format as StoredFile['format'], 1600, 1067, 160_000),
    file('card', format as StoredFile['format'], 400, 400, 20_000),
  ]);
  const built = (variants: StoredVariant[], thumbHash: string | undefined): DeliveryRecord =>
    validRecord({
      variants,
      renditions: gallery,
      served: { kind: 'encoded', format: 'webp', savingsPercent: 40 },
      ...(thumbHash ? { placeholder: { thumbHash, dominantColour: '#6b8fb3', aspectRatio: 1.5 } } : {}),
    });
  /** The `src` and `srcset` of the record's `<picture>` `<img>` (the snippet the panel copies). */
  const snippetImg = (record: DeliveryRecord): { src?: string; srcset?: string } => {
    const img = record.picture.split('\n').find((line) => line.startsWith('  <img')) ?? '';
    const attr = (name: string) => new RegExp(` ${name}="([^"]*)"`).exec(img)?.[1]?.replace(/&amp;/g, '&');
    return { src: attr('src'), srcset: attr('srcset') };
  };
  const url = (key: string) => `${CDN}/${key}`;

  it('shows a transparent PNG where a (flattened) JPEG beat it, never the JPEG', () => {
    const record = built([variant('webp', false), variant('jpeg', false), variant('png', false)], TRANSPARENT);
    const display = displayImage(record);
    expect(display.src).toBe(url('compressed/u1/img1/v1/full.png'));
    expect(display.srcset).toBe(`${url('compressed/u1/img1/v1/full.png')} 2400w`);
    // The WebP (alpha kept) is still the <source> every modern browser takes.
    expect(display.sources).toEqual([{ type: 'image/webp', srcset: expect.stringContaining('/display.webp 1600w') as string }]);
    expect(JSON.stringify(display)).not.toContain('.jpg');
  });

  it('shows a still GIF with no full-size JPEG as the GIF, its JPEG renditions beside it when it is opaque', () => {
    const gif = [variant('webp', false), variant('gif', false)];
    const opaque = displayImage(built(gif, OPAQUE));
    expect(opaque.src).toBe(url('compressed/u1/img1/v1/full.gif'));
    expect(opaque.srcset).toBe(
      `${url('thumbnails/u1/img1/v1/small.jpg')} 300w, ${url('thumbnails/u1/img1/v1/display.jpg')} 1600w, ${url('compressed/u1/img1/v1/full.gif')} 2400w`,
    );
    const transparent = displayImage(built(gif, TRANSPARENT));
    expect(transparent.src).toBe(url('compressed/u1/img1/v1/full.gif'));
    expect(transparent.srcset).toBe(`${url('compressed/u1/img1/v1/full.gif')} 2400w`);
  });

  it('lets JPEG renditions stand in for a still opaque WebP-only original, its WebP <source> kept', () => {
    const display = displayImage(built([variant('webp', false)], OPAQUE));
    expect(display.src).toBe(url('thumbnails/u1/img1/v1/display.jpg'));
    expect(display.srcset).toBe(`${url('thumbnails/u1/img1/v1/small.jpg')} 300w, ${url('thumbnails/u1/img1/v1/display.jpg')} 1600w`);
    expect(display.sources).toEqual([{ type: 'image/webp', srcset: expect.stringContaining('/full.webp 2400w') as string }]);
  });

  it('agrees with the record’s <picture> snippet in every case: still, animated, opaque, transparent, unknown', () => {
    const cases: StoredVariant[][] = [
      [variant('webp', false), variant('jpeg', false)],
      [variant('webp', false), variant('jpeg', false), variant('png', false)],
      [variant('webp', false), variant('png', false)],
      [variant('webp', false), variant('gif', false)],
      [variant('webp', true), variant('gif', true)],
      [variant('webp'), variant('gif')],
      [variant('webp', false)],
      [variant('webp', true)],
      [variant('avif', false), variant('webp', false)],
    ];
    for (const variants of cases) {
      for (const thumbHash of [OPAQUE, TRANSPARENT, undefined]) {
        const record = built(variants, thumbHash);
        const display = displayImage(record);
        expect({ src: display.src, srcset: display.srcset }).toEqual(snippetImg(record));
        // No <source> repeats the <img>'s format.
        const extension = display.src.slice(display.src.lastIndexOf('.') + 1);
        expect(display.sources.map((s) => s.type)).not.toContain(`image/${extension === 'jpg' ? 'jpeg' : extension}`);
      }
    }
  });
});
