/**
 * `measureSsimulacra2`: how far an encoded output is from its original, perceptually, for
 * benches and reports (the pipeline itself scores only its proxies, in `auto-quality.ts`).
 */
import sharp from 'sharp';
import { decodeFailure } from '../errors';
import { mosaicOf, proxyOf, type RawPixels, rgbOf } from './auto-quality';
import { inThreadScorer, type Ssimulacra2Scorer } from './scorer';

/** Pixels of the default evaluation sample: ~8x the search's proxy, so the two rarely share pixels' fate. */
export const MEASURE_SAMPLE_PIXELS = 2_097_152;
/** Tile side of the evaluation sample: not the search's 128 px, so its tiles sit elsewhere. */
export const MEASURE_TILE = 192;

async function pixels(bytes: Uint8Array, what: string): Promise<RawPixels> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: false, autoOrient: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: 4 };
  } catch (error) {
    throw decodeFailure(error, what);
  }
}

/**
 * SSIMULACRA2 (100 = identical) of `encoded` against `original`, both decoded (oriented,
 * sRGB, alpha over mid-grey). Scoring a 13 MP photo in full takes ~13 s and ~1.5 GB here,
 * so above `samplePixels` both are sampled alike: a mosaic of {@link MEASURE_TILE}-px
 * full-resolution tiles on a grid (a different grid from the quality search's proxy).
 * Pass `Infinity` to score every pixel. An `encoded` smaller than the original (a format
 * past its size limit) is compared with the original scaled to its size. `scorer` chooses the
 * thread the metric runs on (default the calling one; `quality/scorer.ts`).
 *
 * @throws InvalidImageError (`CORRUPT`) when either cannot be decoded.
 */
export async function measureSsimulacra2(
  original: Uint8Array,
  encoded: Uint8Array,
  samplePixels: number = MEASURE_SAMPLE_PIXELS,
  scorer: Ssimulacra2Scorer = inThreadScorer,
): Promise<number> {
  let a = await pixels(original, 'original');
  const b = await pixels(encoded, 'encoded');
  if (a.width !== b.width || a.height !== b.height) {
    const { data, info } = await sharp(a.data, { raw: { width: a.width, height: a.height, channels: 4 } })
      .resize(b.width, b.height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    a = { data, width: info.width, height: info.height, channels: 4 };
  }
  const sample = (p: RawPixels): RawPixels => {
    if (!Number.isFinite(samplePixels)) return p;
    const { tiles, columns } = proxyOf(p, samplePixels, MEASURE_TILE);
    return mosaicOf(tiles, columns);
  };
  // rgbOf makes new arrays of these 4-channel pixels: the scorer may take them.
  const prepared = await scorer.prepare(rgbOf(sample(a)));
  try {
    return await prepared.score(rgbOf(sample(b)));
  } finally {
    prepared.release();
  }
}
