import * as z from 'zod/mini';
import { DeliveryRecordSchema } from '@imgpipe/contracts/delivery-record';
import { withAddedVariant } from './added-variant';
import { buildDeliveryRecord, type DeliveryInput, type StoredVariant } from './delivery-record';

// Renditions are stills (of an animation's first frame). They belong in the full image's srcset
// and <picture> of a still image, a still GIF included, and never in an animation's.
const CDN = 'https://d111.cloudfront.net';
const full = (ext: string) => `compressed/u1/img1/v1/full.${ext}`;
const thumb = (name: string, ext: string) => `thumbnails/u1/img1/t1/${name}.${ext}`;

/** A GIF original as compress writes it: a lossy WebP that beat it, and the GIF itself (no JPEG). */
const gifRecord = (animated: boolean | undefined): DeliveryInput => {
  const said = animated === undefined ? {} : { animated };
  return {
    cdnBaseUrl: CDN,
    userId: 'u1',
    imageId: 'img1',
    version: 'v1',
    variants: [
      { key: full('webp'), format: 'webp', width: 1200, height: 800, size: 30_000, ...said },
      { key: full('gif'), format: 'gif', width: 1200, height: 800, size: 90_000, ...said },
    ],
    renditions: [
      { name: 'small', key: thumb('small', 'jpg'), format: 'jpeg', width: 300, height: 200, size: 6_000 },
      { name: 'small', key: thumb('small', 'webp'), format: 'webp', width: 300, height: 200, size: 4_000 },
      { name: 'card', key: thumb('card', 'webp'), format: 'webp', width: 300, height: 300, size: 4_000 },
    ],
    served: { kind: 'encoded', format: 'webp', savingsPercent: 66.7 },
  };
};
const smallWebp = `${CDN}/${thumb('small', 'webp')} 300w`;
const fullOnly = { webp: `${CDN}/${full('webp')} 1200w`, gif: `${CDN}/${full('gif')} 1200w` };

describe('buildDeliveryRecord: renditions and animation', () => {
  it('puts a still GIF\'s renditions in its srcset and <picture> (its files say animated: false)', () => {
    const still = buildDeliveryRecord(gifRecord(false));

    expect(z.safeParse(DeliveryRecordSchema, still).success).toBe(true);
    expect(still.srcset).toEqual({
      webp: `${smallWebp}, ${CDN}/${full('webp')} 1200w`,
      jpeg: `${CDN}/${thumb('small', 'jpg')} 300w`,
      gif: `${CDN}/${full('gif')} 1200w`,
    });
    expect(still.picture).toContain(`<source type="image/webp" srcset="${smallWebp}, ${CDN}/${full('webp')} 1200w" sizes="100vw">`);
    expect(still.picture).toContain(`<img src="${CDN}/${full('gif')}"`);
    // The record keeps what it was told, so a later rebuild (the AVIF follow-up) decides the same.
    expect(still.variants.map((v) => [v.format, v.animated])).toEqual([['webp', false], ['gif', false]]);
  });

  it('keeps an animated GIF\'s renditions out of its srcset and <picture>, in renditions only', () => {
    const animated = buildDeliveryRecord(gifRecord(true));

    expect(z.safeParse(DeliveryRecordSchema, animated).success).toBe(true);
    expect(animated.srcset).toEqual(fullOnly);
    expect(animated.picture).not.toContain('thumbnails/');
    expect(animated.renditions).toHaveLength(3);
    expect(animated.variants.every((v) => v.animated === true)).toBe(true);
  });

  it('keeps the old rule for a record that does not say (older events, replays): a GIF may be animated', () => {
    const unsaid = buildDeliveryRecord(gifRecord(undefined));

    expect(unsaid.srcset).toEqual(fullOnly);
    expect(unsaid.picture).not.toContain('thumbnails/');
    expect(unsaid.variants.some((v) => 'animated' in v)).toBe(false);
  });

  it('keeps renditions out of an animated WebP\'s srcset too, though no GIF is kept', () => {
    const input = gifRecord(true);
    const webpOnly = buildDeliveryRecord({ ...input, variants: input.variants.filter((v) => v.format === 'webp') });

    expect(webpOnly.srcset).toEqual({ webp: fullOnly.webp });
  });
});

describe('withAddedVariant keeps the record\'s choice about renditions', () => {
  const avif: StoredVariant = { key: full('avif'), format: 'avif', width: 1200, height: 800, size: 20_000 };
  const add = (animated: boolean | undefined) =>
    withAddedVariant(buildDeliveryRecord(gifRecord(animated)), { userId: 'u1', imageId: 'img1' }, avif);

  it('a still GIF\'s renditions stay in its srcset once its AVIF is added', () => {
    const added = add(false);

    expect(added).toEqual(buildDeliveryRecord({ ...gifRecord(false), variants: [...gifRecord(false).variants, avif] }));
    expect(added.srcset.webp).toBe(`${smallWebp}, ${CDN}/${full('webp')} 1200w`);
    expect(added.variants.filter((v) => v.format !== 'avif').every((v) => v.animated === false)).toBe(true);
  });

  it('an animated GIF, or a record that does not say, still gets none', () => {
    expect(add(true).srcset).toEqual({ avif: `${CDN}/${full('avif')} 1200w`, ...fullOnly });
    expect(add(undefined).srcset).toEqual({ avif: `${CDN}/${full('avif')} 1200w`, ...fullOnly });
  });
});
