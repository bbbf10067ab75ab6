import { autoQualityOptionsSchema, DEFAULT_AUTO_QUALITY, mosaicOf, proxyOf, type ProxyCodec, type RawPixels, rgbOf, searchQuality } from './auto-quality';
import { Ssimulacra2Reference } from './ssimulacra2';

/**
 * The search, with a stand-in codec whose "encode" adds noise that falls with quality, so
 * the score is a known increasing function of quality and the right answer is known.
 */
function noisyCodec(amplitudeAt: (q: number) => number): ProxyCodec & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    async encode(tile, q) {
      calls.push(q);
      const amplitude = amplitudeAt(q);
      const out = Uint8Array.from(tile.data, (v, i) => Math.max(0, Math.min(255, v + (i % 7 < 3 ? amplitude : -amplitude))));
      return out;
    },
    async decode(bytes, tile) {
      return { ...tile, data: bytes };
    },
  };
}

function gradient(width: number, height: number): RawPixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 3 + y * 2 + c * 40) % 256;
  return { data, width, height, channels: 3 };
}

describe('searchQuality', () => {
  const image = gradient(64, 64);
  const whole = { tiles: [image], columns: 1 };
  const settings = { ...DEFAULT_AUTO_QUALITY.webp, target: 80 };

  it('finds the lowest quality meeting the target within the probe bound', async () => {
    // Noise amplitude drops one level every 4 quality points: the score steps up with quality.
    const amplitudeAt = (q: number): number => Math.max(0, Math.floor((100 - q) / 4));
    const codec = noisyCodec(amplitudeAt);
    // The true answer: every quality scored, the lowest that meets the target.
    const reference = new Ssimulacra2Reference(rgbOf(image));
    const scorer = noisyCodec(amplitudeAt);
    let truth = settings.maxQuality;
    for (let q = settings.maxQuality; q >= settings.minQuality; q--) {
      const decoded = await scorer.decode(await scorer.encode(image, q), image);
      if (reference.score(rgbOf(decoded)) >= settings.target) truth = q;
    }

    const choice = await searchQuality(whole, codec, settings, 'webp');

    expect(codec.calls.length).toBeLessThanOrEqual(settings.maxProbes);
    expect(choice.score).toBeGreaterThanOrEqual(settings.target);
    expect(choice.probes.map((p) => p.quality)).toEqual(codec.calls);
    // Within one noise step (4 quality points) above the exhaustive answer, never below it.
    expect(choice.quality).toBeGreaterThanOrEqual(truth);
    expect(choice.quality - truth).toBeLessThanOrEqual(4);
  });

  it('takes maxQuality, with its measured score, when no quality meets the target', async () => {
    const codec = noisyCodec(() => 40);
    const choice = await searchQuality(whole, codec, settings, 'webp');
    expect(choice.quality).toBe(settings.maxQuality);
    expect(choice.probes.some((p) => p.quality === settings.maxQuality)).toBe(true);
    expect(choice.score).toBeLessThan(settings.target);
    expect(codec.calls.length).toBeLessThanOrEqual(settings.maxProbes);
  });

  it('takes minQuality when even it meets the target', async () => {
    const codec = noisyCodec(() => 0);
    const choice = await searchQuality(whole, codec, settings, 'webp');
    expect(choice.quality).toBe(settings.minQuality);
    expect(choice.score).toBe(100);
  });

  it('refuses bounds that cross', () => {
    expect(() => autoQualityOptionsSchema.parse({ ...settings, minQuality: 90, maxQuality: 50 })).toThrow();
  });
});

describe('proxyOf', () => {
  it('keeps a small image whole', () => {
    const small = gradient(300, 200);
    expect(proxyOf(small, 262_144)).toEqual({ tiles: [small], columns: 1 });
  });

  it('samples a large image as full-resolution tiles, not a downscale, and lays them out as a mosaic', () => {
    const big = gradient(2000, 1500);
    const { tiles, columns } = proxyOf(big, 262_144);
    expect(tiles.length).toBe(15); // 5 columns x 3 rows: the grid follows the 4:3 image
    expect(tiles.length * 128 * 128).toBeLessThanOrEqual(262_144);
    // Each tile is a block of the original's pixels, unscaled: its first tile sits in the first grid cell.
    const first = tiles[0] as RawPixels;
    const x0 = Math.floor(2000 / columns / 2 - 64);
    const y0 = Math.floor(1500 / (tiles.length / columns) / 2 - 64);
    for (const y of [0, 50, 127]) {
      expect(Array.from(first.data.subarray(y * 128 * 3, (y + 1) * 128 * 3))).toEqual(
        Array.from(big.data.subarray(((y0 + y) * 2000 + x0) * 3, ((y0 + y) * 2000 + x0 + 128) * 3)),
      );
    }
    const mosaic = mosaicOf(tiles, columns);
    expect(mosaic.width).toBe(columns * 128);
    expect(Array.from(mosaic.data.subarray(128 * 3, 129 * 3))).toEqual(Array.from((tiles[1] as RawPixels).data.subarray(0, 3)));
  });
});
