import {
  autoQualityOptionsSchema,
  autoWebpQualityOptionsSchema,
  DEFAULT_AUTO_QUALITY,
  mosaicOf,
  presetTargetOffsets,
  priorEstimate,
  proxyOf,
  type ProxyCodec,
  type RawPixels,
  rgbOf,
  searchQuality,
  searchQualityAcross,
  WEBP_PROXY_BIAS,
} from './auto-quality';
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

/**
 * A stand-in codec whose decoded tile scores `scoreAt(q)` (to ~0.01): the tile blended toward
 * a fixed noise pattern, the blend weight found by bisection on the real metric.
 */
function codecScoring(image: RawPixels, scoreAt: (q: number) => number): ProxyCodec & { calls: number[] } {
  const calls: number[] = [];
  const reference = new Ssimulacra2Reference(rgbOf(image));
  const blend = (w: number): Uint8Array =>
    Uint8Array.from(image.data, (v, i) => Math.round(v * (1 - w) + (i % 5 < 2 ? 255 : 0) * w));
  const scoreOf = (w: number): number => reference.score({ data: blend(w), width: image.width, height: image.height });
  return {
    calls,
    async encode(_tile, q) {
      calls.push(q);
      let lo = 0;
      let hi = 1;
      for (let i = 0; i < 30; i++) {
        const mid = (lo + hi) / 2;
        if (scoreOf(mid) >= scoreAt(q)) lo = mid;
        else hi = mid;
      }
      return blend(lo);
    },
    async decode(bytes, tile) {
      return { ...tile, data: bytes };
    },
  };
}

describe('searchQuality on a curve that bends like WebP\'s', () => {
  // Flat below q75 (0.35 a point), steep above (0.9): a photo that passes at the first guess
  // (q78) with room to spare needs ~q71, past the knee.
  const curve = (q: number): number => (q >= 75 ? 73.5 + 0.9 * (q - 75) : 73.5 - 0.35 * (75 - q));
  const image = gradient(64, 64);

  it('steps down past the knee and lands within a point of the lowest passing quality', async () => {
    const codec = codecScoring(image, curve);
    const settings = { ...DEFAULT_AUTO_QUALITY.webp, target: 72 };
    const truth = Array.from({ length: 56 }, (_, i) => 40 + i).find((q) => curve(q) >= 72) as number;

    const choice = await searchQuality({ tiles: [image], columns: 1 }, codec, settings, 'webp');

    expect(choice.score).toBeGreaterThanOrEqual(72);
    expect(choice.quality - truth).toBeGreaterThanOrEqual(0);
    expect(choice.quality - truth).toBeLessThanOrEqual(1);
    expect(codec.calls.length).toBeLessThanOrEqual(3);
  });

  it('reads the prior curve both ways through the knee', () => {
    // Down from q78 at 76.2: 2.7 points to the knee (q75, 73.5), then 1.5 / 0.35 more.
    expect(priorEstimate({ quality: 78, score: 76.2, bytes: 0 }, 72, 'webp')).toBeCloseTo(75 - 1.5 / 0.35, 6);
    // Up from q70 at 71.75: 1.75 to the knee, then 2 / 0.9 more.
    expect(priorEstimate({ quality: 70, score: 71.75, bytes: 0 }, 75.5, 'webp')).toBeCloseTo(75 + 2 / 0.9, 6);
    // Within one side of the knee, one slope; AVIF has no knee.
    expect(priorEstimate({ quality: 78, score: 76.2, bytes: 0 }, 75.3, 'webp')).toBeCloseTo(77, 6);
    expect(priorEstimate({ quality: 55, score: 68, bytes: 0 }, 70, 'avif')).toBeCloseTo(60, 6);
  });
});

/** `codec` with `bytesAt(q)` bytes of padding after its pixels: a stand-in whose size follows a chosen curve. */
function sized(codec: ProxyCodec & { calls: number[] }, bytesAt: (q: number) => number): ProxyCodec & { calls: number[] } {
  return {
    calls: codec.calls,
    async encode(tile, q) {
      const pixels = await codec.encode(tile, q);
      const out = new Uint8Array(pixels.length + Math.round(bytesAt(q)));
      out.set(pixels);
      return out;
    },
    decode: (bytes, tile) => codec.decode(bytes.subarray(0, tile.data.length), tile),
  };
}

describe('searchQualityAcross: the quality and the encoder configuration', () => {
  // Two presets as two curves: `b` scores `lag` points lower than `a` at every quality, for
  // `ratio` of a's bytes. Which one needs fewer bytes at the target is known in advance.
  const image = gradient(64, 64);
  const proxy = { tiles: [image], columns: 1 };
  const settings = { ...DEFAULT_AUTO_QUALITY.webp, target: 72 };
  const curve = (q: number): number => (q >= 75 ? 73.5 + 0.9 * (q - 75) : 73.5 - 0.35 * (75 - q));
  const bytesA = (q: number): number => 20_000 * Math.exp(0.06 * q);
  const candidates = (lag: number, ratio: number) => {
    const a = sized(codecScoring(image, curve), bytesA);
    const b = sized(codecScoring(image, (q) => curve(q) - lag), (q) => ratio * bytesA(q));
    return { a, b, list: [{ config: 'a', codec: a }, { config: 'b', codec: b }] };
  };

  it('takes the other preset when it reaches the target in fewer bytes, at a quality that meets it', async () => {
    // a passes at q71 (flat part of the curve); b lags 0.5 points, so needs q73 (+13% bytes)
    // at 0.8x the bytes: ~0.9x in all.
    const { a, b, list } = candidates(0.5, 0.8);
    const first = await searchQuality(proxy, sized(codecScoring(image, curve), bytesA), settings, 'webp');

    const choice = await searchQualityAcross(proxy, list, settings, 'webp');

    expect(choice.config).toBe('b');
    expect(choice.score).toBeGreaterThanOrEqual(72);
    expect(choice.quality).toBeGreaterThanOrEqual(first.quality);
    expect(b.calls.length).toBeLessThanOrEqual(2);
    expect(choice.compared.map((p) => p.quality)).toEqual(b.calls);
    expect(choice.compared.every((p) => p.config === 'b')).toBe(true);
    // The first preset's search is the plain search, probe for probe.
    expect(a.calls).toEqual(first.probes.map((p) => p.quality));
  });

  it('keeps the first preset, after one probe of the other, when the other would need more bytes at the target', async () => {
    // b lags 4.5 points (~5 quality points, +35% bytes) for 0.9x the bytes: ~1.2x in all.
    const { b, list } = candidates(4.5, 0.9);

    const choice = await searchQualityAcross(proxy, list, settings, 'webp');

    expect(choice.config).toBe('a');
    expect(choice.score).toBeGreaterThanOrEqual(72);
    expect(b.calls).toHaveLength(1);
  });

  it('takes the other preset at the same quality when it passes there in fewer bytes, and keeps the first on a tie', async () => {
    const better = await searchQualityAcross(proxy, candidates(-1, 0.9).list, settings, 'webp');
    const tie = await searchQualityAcross(proxy, candidates(0, 1).list, settings, 'webp');

    expect(better.config).toBe('b');
    expect(better.compared).toHaveLength(1);
    expect(tie.config).toBe('a');
  });

  it("holds each preset to its own target (target + targetOffset): a proxy that reads better must score higher", async () => {
    // b scores 1 point lower at every quality for 0.8x the bytes. Its proxy reads 2 points worse
    // than a's does (offset -2): it reaches its target where a reaches a's, and wins on bytes.
    const fair = candidates(1, 0.8).list.map((c) => ({ ...c, targetOffset: c.config === 'b' ? -2 : 0 }));
    // Held to +3 instead, b would need ~4 more quality points than a: not worth its bytes.
    const strict = candidates(1, 0.8).list.map((c) => ({ ...c, targetOffset: c.config === 'b' ? 3 : 0 }));

    const lenient = await searchQualityAcross(proxy, fair, settings, 'webp');
    const held = await searchQualityAcross(proxy, strict, settings, 'webp');

    expect(lenient.config).toBe('b');
    expect(lenient.score).toBeGreaterThanOrEqual(70);
    expect(held.config).toBe('a');
  });

  it('offsets each WebP preset by its proxy bias relative to the first', () => {
    const d = WEBP_PROXY_BIAS.default as number;
    const i = WEBP_PROXY_BIAS.icon as number;
    expect(presetTargetOffsets(['default', 'icon'])).toEqual([0, Math.round((i - d) * 100) / 100]);
    expect(presetTargetOffsets(['icon', 'default'])).toEqual([0, Math.round((d - i) * 100) / 100]);
    // A preset with no measured bias counts as default's.
    expect(presetTargetOffsets(['default', 'photo'])).toEqual([0, 0]);
  });

  it('refuses an empty or repeated preset list in the knobs', () => {
    expect(() => autoWebpQualityOptionsSchema.parse({ ...settings, presets: [] })).toThrow();
    expect(() => autoWebpQualityOptionsSchema.parse({ ...settings, presets: ['icon', 'icon'] })).toThrow();
    expect(() => autoWebpQualityOptionsSchema.parse({ ...settings, presets: ['sharp'] })).toThrow();
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
