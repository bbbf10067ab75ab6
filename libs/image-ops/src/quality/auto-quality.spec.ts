import { autoQualityOptionsSchema, DEFAULT_AUTO_QUALITY, proxyOf, type ProxyCodec, type RawPixels, rgbOf, searchQuality } from './auto-quality';
import { Ssimulacra2Reference } from './ssimulacra2';

/**
 * The search, with a stand-in codec whose "encode" adds noise that falls with quality, so
 * the score is a known increasing function of quality and the right answer is known.
 */
function noisyCodec(image: RawPixels, amplitudeAt: (q: number) => number): ProxyCodec & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    async encode(q) {
      calls.push(q);
      const amplitude = amplitudeAt(q);
      const out = Uint8Array.from(image.data, (v, i) => Math.max(0, Math.min(255, v + (i % 7 < 3 ? amplitude : -amplitude))));
      return out;
    },
    async decode(bytes) {
      return { ...image, data: bytes };
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
  const settings = { ...DEFAULT_AUTO_QUALITY.webp, target: 80 };

  it('finds the lowest quality meeting the target within the probe bound', async () => {
    // Noise amplitude drops one level every 4 quality points: the score steps up with quality.
    const amplitudeAt = (q: number): number => Math.max(0, Math.floor((100 - q) / 4));
    const codec = noisyCodec(image, amplitudeAt);
    // The true answer: every quality scored, the lowest that meets the target.
    const reference = new Ssimulacra2Reference(rgbOf(image));
    const scorer = noisyCodec(image, amplitudeAt);
    let truth = settings.maxQuality;
    for (let q = settings.maxQuality; q >= settings.minQuality; q--) {
      const decoded = await scorer.decode(await scorer.encode(q));
      if (reference.score(rgbOf(decoded)) >= settings.target) truth = q;
    }

    const choice = await searchQuality(image, codec, settings, 'webp');

    expect(codec.calls.length).toBeLessThanOrEqual(settings.maxProbes);
    expect(choice.score).toBeGreaterThanOrEqual(settings.target);
    expect(choice.probes.map((p) => p.quality)).toEqual(codec.calls);
    // Within one noise step (4 quality points) above the exhaustive answer, never below it.
    expect(choice.quality).toBeGreaterThanOrEqual(truth);
    expect(choice.quality - truth).toBeLessThanOrEqual(4);
  });

  it('takes maxQuality, with its measured score, when no quality meets the target', async () => {
    const codec = noisyCodec(image, () => 40);
    const choice = await searchQuality(image, codec, settings, 'webp');
    expect(choice.quality).toBe(settings.maxQuality);
    expect(choice.probes.some((p) => p.quality === settings.maxQuality)).toBe(true);
    expect(choice.score).toBeLessThan(settings.target);
    expect(codec.calls.length).toBeLessThanOrEqual(settings.maxProbes);
  });

  it('takes minQuality when even it meets the target', async () => {
    const codec = noisyCodec(image, () => 0);
    const choice = await searchQuality(image, codec, settings, 'webp');
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
    expect(proxyOf(small, 262_144)).toBe(small);
  });

  it('samples a large image as full-resolution tiles, not a downscale', () => {
    const big = gradient(2000, 1500);
    const proxy = proxyOf(big, 262_144);
    expect(proxy.width % 128).toBe(0);
    expect(proxy.height % 128).toBe(0);
    expect(proxy.width * proxy.height).toBeLessThanOrEqual(262_144);
    // The first tile's first row is a run of the original's pixels, unscaled.
    const rowInTile = Array.from(proxy.data.subarray(0, 128 * 3));
    const rowBytes = 2000 * 3;
    const match = Array.from({ length: 1500 * 2000 - 128 }, (_, i) => i).some((start) => {
      const from = start * 3;
      if (Math.floor(from / rowBytes) !== Math.floor((from + 128 * 3 - 1) / rowBytes)) return false;
      return rowInTile.every((v, k) => big.data[from + k] === v);
    });
    expect(match).toBe(true);
  });
});
