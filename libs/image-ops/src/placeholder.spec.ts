import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA, thumbHashToRGBA } from 'thumbhash';
import { dominantColour, thumbHashSize } from './placeholder';
import { processImage } from './process';
import { renditions } from './renditions';
import { testImage } from './testing';

const hashOf = (base64: string): Uint8Array => new Uint8Array(Buffer.from(base64, 'base64'));

/** The image's mean colour, 0-1 per channel, from sharp's own statistics. */
async function meanColour(image: Buffer): Promise<[number, number, number]> {
  const { channels } = await sharp(image).stats();
  return [0, 1, 2].map((c) => (channels[c]?.mean ?? 0) / 255) as [number, number, number];
}

describe('the placeholder', () => {
  it.each([
    ['landscape 4:3', 640, 480],
    ['portrait 1:2', 300, 600],
    ['panorama 4:1', 1200, 300],
  ])('of a %s photo decodes to its aspect ratio and its average colour', async (_what, width, height) => {
    const jpeg = await testImage('jpeg', { width, height });

    const { placeholder } = await renditions(jpeg);

    const hash = hashOf(placeholder.thumbHash);
    expect(hash.length).toBeLessThanOrEqual(25);
    expect(placeholder.aspectRatio).toBeCloseTo(width / height, 3);
    // ThumbHash keeps the aspect ratio only approximately (its component counts are quantised).
    expect(thumbHashToApproximateAspectRatio(hash) / (width / height)).toBeGreaterThan(0.8);
    expect(thumbHashToApproximateAspectRatio(hash) / (width / height)).toBeLessThan(1.25);
    const average = thumbHashToAverageRGBA(hash);
    const mean = await meanColour(jpeg);
    expect(Math.abs(average.r - mean[0])).toBeLessThan(0.06);
    expect(Math.abs(average.g - mean[1])).toBeLessThan(0.06);
    expect(Math.abs(average.b - mean[2])).toBeLessThan(0.06);
    expect(average.a).toBeCloseTo(1, 2);
  });

  it('uses the displayed size: a photo stored sideways (EXIF 6) is portrait', async () => {
    const rotated = await testImage('jpeg-rotated', { width: 640, height: 480 });

    const { placeholder } = await renditions(rotated);

    expect(placeholder.aspectRatio).toBe(0.75);
    expect(thumbHashToApproximateAspectRatio(hashOf(placeholder.thumbHash))).toBeLessThan(1);
  });

  it('keeps alpha: a PNG opaque on the left and transparent on the right decodes the same way', async () => {
    const width = 200;
    const height = 100;
    const pixels = Buffer.alloc(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const opaque = i % width < width / 2;
      pixels.set([20, 160, 60, opaque ? 255 : 0], i * 4);
    }
    const png = await sharp(pixels, { raw: { width, height, channels: 4 } }).png().toBuffer();

    const { placeholder } = await renditions(png);

    const decoded = thumbHashToRGBA(hashOf(placeholder.thumbHash));
    const alphaAt = (x: number, y: number): number => decoded.rgba[(y * decoded.w + x) * 4 + 3] ?? -1;
    const row = Math.floor(decoded.h / 2);
    expect(alphaAt(1, row)).toBeGreaterThan(200);
    expect(alphaAt(decoded.w - 2, row)).toBeLessThan(60);
    expect(thumbHashToAverageRGBA(hashOf(placeholder.thumbHash)).a).toBeCloseTo(0.5, 1);
    // Transparent pixels do not vote: the dominant colour is the opaque half's green.
    expect(placeholder.dominantColour).toBe('#14a03c');
  });

  it('comes with processImage, identical to the renditions-only one, with its own timing', async () => {
    const jpeg = await testImage('jpeg', { width: 800, height: 600 });

    const [processed, rendered] = await Promise.all([processImage(jpeg), renditions(jpeg)]);

    expect(processed.placeholder.aspectRatio).toBe(rendered.placeholder.aspectRatio);
    expect(processed.placeholder.dominantColour).toMatch(/^#[0-9a-f]{6}$/);
    expect(processed.timings.placeholderMs).toBeGreaterThan(0);
    expect(processed.timings.placeholderMs).toBeLessThanOrEqual(processed.timings.renditionsMs);
  });
});

describe('dominantColour', () => {
  const rgba = (...pixels: [number, number, number, number][]): Uint8Array => new Uint8Array(pixels.flat());

  it('is the most common colour, not the average', () => {
    const red: [number, number, number, number] = [250, 10, 10, 255];
    const blue: [number, number, number, number] = [10, 10, 250, 255];

    expect(dominantColour(rgba(red, red, red, blue, blue))).toBe('#fa0a0a');
  });

  it('weights pixels by alpha, and falls back to the mean colour when everything is transparent', () => {
    const faintGreen: [number, number, number, number] = [0, 255, 0, 10];
    const red: [number, number, number, number] = [255, 0, 0, 255];

    expect(dominantColour(rgba(faintGreen, faintGreen, faintGreen, red))).toBe('#ff0000');
    expect(dominantColour(rgba([0, 0, 0, 0], [255, 255, 255, 0]))).toBe('#808080');
  });

  it("is the heaviest cell's mean colour, each channel weighted by alpha", () => {
    // Both in the cell (15, 0, 0) of the 16x16x16 histogram: (240*1 + 255*0.2) / 1.2 = 242.5 red,
    // (12*1 + 2*0.2) / 1.2 = 10.3 green, (4*1 + 14*0.2) / 1.2 = 5.7 blue; a lone heavier-looking
    // blue pixel of alpha 0.6 does not outweigh them.
    expect(dominantColour(rgba([240, 12, 4, 255], [255, 2, 14, 51], [0, 0, 255, 153]))).toBe('#f30a06');
  });
});

describe('thumbHashSize', () => {
  it('fits 100 px a side at the aspect ratio and never enlarges', () => {
    expect(thumbHashSize(4000, 3000)).toEqual({ width: 100, height: 75 });
    expect(thumbHashSize(10_000, 783)).toEqual({ width: 100, height: 8 });
    expect(thumbHashSize(20_000, 10)).toEqual({ width: 100, height: 1 });
    expect(thumbHashSize(40, 30)).toEqual({ width: 40, height: 30 });
  });
});
