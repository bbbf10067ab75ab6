import * as z from 'zod/mini';
import { DeliveryRecordSchema, type DeliveryPlaceholder } from '@imgpipe/contracts/delivery-record';
import { buildDeliveryRecord, thumbHashHasAlpha, type DeliveryInput, type StoredVariant } from './delivery-record';

// The <picture>'s <img> is what a browser that takes no <source> shows: files every browser
// decodes, with the sizes a still image has, never a still of an animation, never a flattened
// JPEG of a transparent image where the original keeps its transparency.
const CDN = 'https://d111.cloudfront.net';
const full = (ext: string) => `compressed/u1/img1/v1/full.${ext}`;
const thumb = (name: string, ext: string) => `thumbnails/u1/img1/t1/${name}.${ext}`;
const url = (key: string) => `${CDN}/${key}`;

// ThumbHashes made by the `thumbhash` package's rgbaToThumbHash (8x8 pixels): every pixel
// opaque; the left half transparent; one pixel at alpha 254. The last is the existing specs'.
const OPAQUE = 'GusCBwBImT6IeHeId0d3iHiPo4UHaI8H';
const HALF_TRANSPARENT = 'GuuCBQBYT5h4d4lnmF9289ZocIp4iIeIiA==';
const ONE_PIXEL_254 = 'GuuCBQAPGJqId4gHh1l4gPd4ACEAERARIQ==';
const placeholder = (thumbHash: string): DeliveryPlaceholder => ({ thumbHash, dominantColour: '#c85028', aspectRatio: 1.5 });

/** The gallery set: each rendition in JPEG and WebP; `card` is square (never in the full image's srcset). */
const gallery = [
  { name: 'small', key: thumb('small', 'jpg'), format: 'jpeg' as const, width: 300, height: 200, size: 6_000 },
  { name: 'small', key: thumb('small', 'webp'), format: 'webp' as const, width: 300, height: 200, size: 4_000 },
  { name: 'display', key: thumb('display', 'jpg'), format: 'jpeg' as const, width: 900, height: 600, size: 40_000 },
  { name: 'display', key: thumb('display', 'webp'), format: 'webp' as const, width: 900, height: 600, size: 30_000 },
  { name: 'card', key: thumb('card', 'jpg'), format: 'jpeg' as const, width: 300, height: 300, size: 5_000 },
];
const jpegRenditions = `${url(thumb('small', 'jpg'))} 300w, ${url(thumb('display', 'jpg'))} 900w`;
const webpSizes = `${url(thumb('small', 'webp'))} 300w, ${url(thumb('display', 'webp'))} 900w, ${url(full('webp'))} 1200w`;

const variant = (format: StoredVariant['format'], ext: string, animated: boolean | undefined, size: number): StoredVariant => ({
  key: full(ext),
  format,
  width: 1200,
  height: 800,
  size,
  ...(animated === undefined ? {} : { animated }),
});

const record = (variants: StoredVariant[], thumbHash: string | undefined): DeliveryInput => ({
  cdnBaseUrl: CDN,
  userId: 'u1',
  imageId: 'img1',
  version: 'v1',
  variants,
  renditions: gallery,
  served: { kind: 'encoded', format: variants[0]?.format ?? 'webp', savingsPercent: 50 },
  ...(thumbHash ? { placeholder: placeholder(thumbHash) } : {}),
});

/** The <img> line of a record's <picture>. */
const img = (input: DeliveryInput): string => {
  const built = buildDeliveryRecord(input);
  expect(z.safeParse(DeliveryRecordSchema, built).success).toBe(true);
  return built.picture.split('\n').find((line) => line.startsWith('  <img')) ?? '';
};
const sources = (input: DeliveryInput): string[] =>
  buildDeliveryRecord(input).picture.split('\n').filter((line) => line.startsWith('  <source'));

describe('thumbHashHasAlpha reads the flag the thumbhash package wrote', () => {
  it('tells an opaque image from one with any transparency, and refuses what is not a hash', () => {
    expect(thumbHashHasAlpha(OPAQUE)).toBe(false);
    expect(thumbHashHasAlpha('1QcSHQRnh493V4dIh4eXh1h4kJUI')).toBe(false);
    expect(thumbHashHasAlpha(HALF_TRANSPARENT)).toBe(true);
    expect(thumbHashHasAlpha(ONE_PIXEL_254)).toBe(true);
    expect(thumbHashHasAlpha('Gu')).toBeUndefined();
    expect(thumbHashHasAlpha('Gu*C')).toBeUndefined();
  });
});

describe('the <picture> fallback of a still GIF or PNG', () => {
  const stillGif = [variant('webp', 'webp', false, 30_000), variant('gif', 'gif', false, 90_000)];

  it('offers a still opaque GIF\'s JPEG renditions beside the GIF itself, as a still JPEG\'s <img> offers its sizes', () => {
    expect(img(record(stillGif, OPAQUE))).toBe(
      `  <img src="${url(full('gif'))}" srcset="${jpegRenditions}, ${url(full('gif'))} 1200w" sizes="100vw" width="1200" height="800" alt="" loading="lazy" decoding="async">`,
    );
    expect(sources(record(stillGif, OPAQUE))).toEqual([`  <source type="image/webp" srcset="${webpSizes}" sizes="100vw">`]);
    // The GIF's own srcset stays what it is: the files of that format.
    expect(buildDeliveryRecord(record(stillGif, OPAQUE)).srcset.gif).toBe(`${url(full('gif'))} 1200w`);
  });

  it('does the same for a still opaque PNG that no JPEG beat (a flat graphic)', () => {
    const png = [variant('webp', 'webp', false, 30_000), variant('png', 'png', false, 50_000)];
    expect(img(record(png, OPAQUE))).toContain(`src="${url(full('png'))}" srcset="${jpegRenditions}, ${url(full('png'))} 1200w"`);
  });

  it('never puts JPEG renditions (flattened onto white) beside a transparent GIF or PNG', () => {
    for (const thumbHash of [HALF_TRANSPARENT, ONE_PIXEL_254]) {
      expect(img(record(stillGif, thumbHash))).toContain(`src="${url(full('gif'))}" srcset="${url(full('gif'))} 1200w"`);
      expect(img(record(stillGif, thumbHash))).not.toContain('.jpg');
    }
  });

  it('serves a transparent PNG\'s fallback from the PNG even where a (flattened) JPEG beat it', () => {
    const pngAndJpeg = [variant('webp', 'webp', false, 30_000), variant('jpeg', 'jpg', false, 40_000), variant('png', 'png', false, 80_000)];

    const transparent = img(record(pngAndJpeg, HALF_TRANSPARENT));
    expect(transparent).toContain(`src="${url(full('png'))}" srcset="${url(full('png'))} 1200w"`);
    expect(transparent).not.toContain('.jpg');
    // The WebP (alpha kept) offers its sizes in its <source>, as before.
    expect(sources(record(pngAndJpeg, HALF_TRANSPARENT))).toEqual([`  <source type="image/webp" srcset="${webpSizes}" sizes="100vw">`]);
    // An opaque one keeps the JPEG and its renditions.
    expect(img(record(pngAndJpeg, OPAQUE))).toContain(`src="${url(full('jpg'))}" srcset="${jpegRenditions}, ${url(full('jpg'))} 1200w"`);
  });

  it('keeps a transparent image\'s flattened JPEG as the last resort when no PNG or GIF was written (an original with EXIF)', () => {
    const encodedOnly = [variant('webp', 'webp', false, 30_000), variant('jpeg', 'jpg', false, 40_000)];
    expect(img(record(encodedOnly, HALF_TRANSPARENT))).toContain(`src="${url(full('jpg'))}"`);
  });

  it('adds nothing for a record without a placeholder (older records): whether it is transparent is not known', () => {
    expect(img(record(stillGif, undefined))).toContain(`src="${url(full('gif'))}" srcset="${url(full('gif'))} 1200w"`);
  });
});

describe('the <picture> fallback of an animation stays the animation', () => {
  it('an animated GIF: the GIF alone, its first-frame renditions nowhere in the <picture>', () => {
    for (const animated of [true, undefined]) {
      const gif = [variant('webp', 'webp', animated, 30_000), variant('gif', 'gif', animated, 90_000)];
      const built = buildDeliveryRecord(record(gif, OPAQUE));
      expect(img(record(gif, OPAQUE))).toContain(`src="${url(full('gif'))}" srcset="${url(full('gif'))} 1200w"`);
      expect(built.picture).not.toContain('thumbnails/');
    }
  });

  it('an animated WebP with no GIF: the WebP itself, never a JPEG still', () => {
    const webp = [variant('webp', 'webp', true, 30_000)];
    expect(img(record(webp, OPAQUE))).toContain(`src="${url(full('webp'))}" srcset="${url(full('webp'))} 1200w"`);
    expect(buildDeliveryRecord(record(webp, OPAQUE)).picture).not.toContain('thumbnails/');
  });
});

describe('the <picture> fallback of a WebP or AVIF original no JPEG beat', () => {
  it('a still opaque WebP: the JPEG renditions stand in for a browser without WebP, the WebP <source> keeps every size', () => {
    const webpOnly = [variant('webp', 'webp', false, 30_000)];
    expect(img(record(webpOnly, OPAQUE))).toBe(
      `  <img src="${url(thumb('display', 'jpg'))}" srcset="${jpegRenditions}" sizes="100vw" width="1200" height="800" alt="" loading="lazy" decoding="async">`,
    );
    expect(sources(record(webpOnly, OPAQUE))).toEqual([`  <source type="image/webp" srcset="${webpSizes}" sizes="100vw">`]);
  });

  it('a still opaque AVIF: its full-size <source> stays (the only way to the full size), the renditions after it', () => {
    const avifOnly = [variant('avif', 'avif', false, 20_000)];
    // A browser without AVIF but with WebP takes the WebP renditions before the JPEG ones.
    expect(sources(record(avifOnly, OPAQUE))).toEqual([
      `  <source type="image/avif" srcset="${url(full('avif'))} 1200w" sizes="100vw">`,
      `  <source type="image/webp" srcset="${url(thumb('small', 'webp'))} 300w, ${url(thumb('display', 'webp'))} 900w" sizes="100vw">`,
    ]);
    expect(img(record(avifOnly, OPAQUE))).toContain(`src="${url(thumb('display', 'jpg'))}" srcset="${jpegRenditions}"`);
  });

  it('a transparent one, or one not known to be opaque, keeps the served file as its <img> (no flattened stand-in)', () => {
    const webpOnly = [variant('webp', 'webp', false, 30_000)];
    for (const thumbHash of [HALF_TRANSPARENT, undefined]) {
      expect(img(record(webpOnly, thumbHash))).toContain(`src="${url(full('webp'))}" srcset="${webpSizes}"`);
      expect(sources(record(webpOnly, thumbHash))).toEqual([]);
    }
  });
});
