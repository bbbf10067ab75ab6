/**
 * SSIMULACRA2, the perceptual image-quality metric (Jon Sneyers, Cloudinary, 2022-2023):
 * 100 = identical, 90 = visually lossless, 70 = high quality, 50 = medium, 30 = low.
 *
 * HAND-WRITTEN, and why: no maintained npm package computes SSIMULACRA2 (the reference is
 * C++ in libjxl's `tools/ssimulacra2.cc`, and ports exist in Rust and Python only), and
 * calling out to a native binary would add a dependency to every Lambda. This is a port of
 * the published algorithm following libjxl's `tools/ssimulacra2.cc` and rust-av's
 * `ssimulacra2` crate (its `lib.rs`, `blur/gaussian.rs` and `build.rs`, the recursive
 * Gaussian of Charalampidis 2016, sigma 1.5) step for step:
 *
 * 1. 8-bit sRGB -> linear RGB; 6 scales, each a 2x2 box downscale in linear RGB;
 * 2. per scale: linear RGB -> XYB (the opsin absorbance matrix + cube root), made positive;
 * 3. blurred means, variances and covariance per plane -> 1 - SSIM' (no luma denominator)
 *    and the two edge maps (ringing: distorted edges where the original is smooth; blurring:
 *    the reverse), each pooled with the 1-norm and the 4-norm;
 * 4. 108 weighted sub-scores -> the published polynomial remapping -> the score.
 *
 * Tested against the C++ reference's scores (`ssimulacra2.spec.ts`, tolerance stated there).
 * Planes are Float32Array and the blur is separable and recursive, so a ~0.5 MP proxy
 * scores in well under 100 ms; {@link Ssimulacra2Reference} caches the original's side
 * (its XYB planes, means and variances) so that scoring several candidates against one
 * original costs about 60% of scoring each from scratch.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array loops index within bounds they just checked; `!` keeps them free of per-pixel undefined checks */
import { ImageOpsError } from '../errors';

/** Packed 8-bit sRGB pixels, 3 channels (RGB), rows without padding. */
export interface RgbPixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

const NUM_SCALES = 6;
const MIN_SIZE = 8;

// ---- the recursive Gaussian's constants (rust-av build.rs, from the paper's equations) ----

interface GaussianConstants {
  radius: number;
  /** n2 per term (k = 1, 3, 5). */
  mulIn: Float64Array;
  /** d1 per term. */
  mulPrev: Float64Array;
}

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m[0] as [number, number, number];
  const [d, e, f] = m[1] as [number, number, number];
  const [g, h, i] = m[2] as [number, number, number];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

function gaussianConstants(sigma: number): GaussianConstants {
  const radius = Math.round(3.2795 * sigma + 0.2546); // (57)
  const piDiv2r = Math.PI / (2 * radius);
  const omega = [piDiv2r, 3 * piDiv2r, 5 * piDiv2r];
  const p1 = 1 / Math.tan(0.5 * omega[0]!);
  const p3 = -1 / Math.tan(0.5 * omega[1]!);
  const p5 = 1 / Math.tan(0.5 * omega[2]!);
  const r1 = (p1 * p1) / Math.sin(omega[0]!);
  const r3 = (-p3 * p3) / Math.sin(omega[1]!);
  const r5 = (p5 * p5) / Math.sin(omega[2]!);
  const rho = omega.map((w) => Math.exp(-0.5 * sigma * sigma * w * w) / radius);
  const d13 = p1 * r3 - r1 * p3;
  const d35 = p3 * r5 - r3 * p5;
  const d51 = p5 * r1 - r5 * p1;
  const zeta15 = d35 / d13;
  const zeta35 = d51 / d13;
  const a = invert3([
    [p1, p3, p5],
    [r1, r3, r5],
    [zeta15, zeta35, 1],
  ]);
  const gamma = [1, radius * radius - sigma * sigma, zeta15 * rho[0]! + zeta35 * rho[1]! + rho[2]!];
  const beta = a.map((row) => row[0]! * gamma[0]! + row[1]! * gamma[1]! + row[2]! * gamma[2]!);
  const mulIn = new Float64Array(3);
  const mulPrev = new Float64Array(3);
  for (let k = 0; k < 3; k++) {
    mulIn[k] = Math.fround(-beta[k]! * Math.cos(omega[k]! * (radius + 1))); // (33)
    mulPrev[k] = Math.fround(-2 * Math.cos(omega[k]!));
  }
  return { radius, mulIn, mulPrev };
}

const GAUSS = gaussianConstants(1.5);
/** Zero rows around the image in the vertical pass's input: its first step reads row -2N. */
const PAD = 2 * GAUSS.radius + 1;

/**
 * The separable recursive Gaussian, zero outside the image as in the references: each
 * output is `n2 * (in[n - N - 1] + in[n + N - 1]) - d1 * prev - prev2`, summed over the
 * three cosine terms. Works row by row in both passes (the vertical pass keeps one state
 * per column), so memory is read in order.
 */
class Blur {
  /**
   * The horizontal pass's output, with PAD zero rows above and below the image so that the
   * vertical pass reads "zero outside the image" without a branch per pixel.
   */
  private readonly temp: Float32Array;
  // Vertical-pass state, one value per column: the last two outputs of each term.
  private readonly state: Record<'a1' | 'a3' | 'a5' | 'b1' | 'b3' | 'b5', Float32Array>;

  constructor(maxPixels: number, maxWidth: number) {
    this.temp = new Float32Array(maxPixels + 2 * PAD * maxWidth);
    const row = (): Float32Array => new Float32Array(maxWidth);
    this.state = { a1: row(), a3: row(), a5: row(), b1: row(), b3: row(), b5: row() };
  }

  blur(input: Float32Array, output: Float32Array, width: number, height: number): void {
    const temp = this.temp;
    temp.fill(0, 0, PAD * width);
    temp.fill(0, (PAD + height) * width, (2 * PAD + height) * width);
    this.horizontal(input, temp.subarray(PAD * width, (PAD + height) * width), width, height);
    this.vertical(temp, output, width, height);
  }

  private horizontal(input: Float32Array, output: Float32Array, width: number, height: number): void {
    const N = GAUSS.radius;
    const [in1, in3, in5] = GAUSS.mulIn as unknown as [number, number, number];
    const [d1, d3, d5] = GAUSS.mulPrev as unknown as [number, number, number];
    for (let y = 0; y < height; y++) {
      const row = y * width;
      let p1 = 0, p3 = 0, p5 = 0, q1 = 0, q3 = 0, q5 = 0;
      for (let n = -N + 1; n < width; n++) {
        const left = n - N - 1;
        const right = n + N - 1;
        const sum = (left >= 0 ? input[row + left]! : 0) + (right < width ? input[row + right]! : 0);
        const o1 = Math.fround(in1 * sum - d1 * p1 - q1);
        const o3 = Math.fround(in3 * sum - d3 * p3 - q3);
        const o5 = Math.fround(in5 * sum - d5 * p5 - q5);
        q1 = p1; q3 = p3; q5 = p5;
        p1 = o1; p3 = o3; p5 = o5;
        if (n >= 0) output[row + n] = o1 + o3 + o5;
      }
    }
  }

  /** `padded`: the image's rows start at row PAD, with zero rows around them. */
  private vertical(padded: Float32Array, output: Float32Array, width: number, height: number): void {
    const N = GAUSS.radius;
    const [in1, in3, in5] = GAUSS.mulIn as unknown as [number, number, number];
    const [d1, d3, d5] = GAUSS.mulPrev as unknown as [number, number, number];
    const { a1, a3, a5, b1, b3, b5 } = this.state;
    a1.fill(0, 0, width); a3.fill(0, 0, width); a5.fill(0, 0, width);
    b1.fill(0, 0, width); b3.fill(0, 0, width); b5.fill(0, 0, width);
    for (let n = -N + 1; n < height; n++) {
      // Input rows n - N - 1 and n + N - 1 of the image, in padded coordinates.
      const t = (n - N - 1 + PAD) * width;
      const b = (n + N - 1 + PAD) * width;
      const o = n * width;
      const write = n >= 0;
      for (let x = 0; x < width; x++) {
        const s = padded[t + x]! + padded[b + x]!;
        const p1 = a1[x]!, p3 = a3[x]!, p5 = a5[x]!;
        const o1 = in1 * s - d1 * p1 - b1[x]!;
        const o3 = in3 * s - d3 * p3 - b3[x]!;
        const o5 = in5 * s - d5 * p5 - b5[x]!;
        b1[x] = p1; b3[x] = p3; b5[x] = p5;
        a1[x] = o1; a3[x] = o3; a5[x] = o5;
        if (write) output[o + x] = o1 + o3 + o5;
      }
    }
  }
}

// ---- colour ----

/** sRGB 8-bit code value -> linear light, as a table (256 entries). */
const SRGB_TO_LINEAR = Float32Array.from({ length: 256 }, (_, i) => {
  const v = i / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
});

// The opsin absorbance matrix and bias of XYB (libjxl opsin_params.h, yuvxyb).
const M00 = 0.3, M01 = 0.622, M02 = 0.078;
const M10 = 0.23, M11 = 0.692, M12 = 0.078;
const M20 = 0.2434226892454782, M21 = 0.2047674442449682, M22 = 1 - M20 - M21;
const BIAS = 0.0037930732552754493;
const BIAS_CBRT = Math.cbrt(BIAS);

// Math.cbrt is the slowest step of the colour conversion; the opsin mixes lie in
// [BIAS, 1 + BIAS] for in-gamut input, so a table (linear interpolation) and one Newton
// step give the cube root to ~1e-8 relative, well below the float32 planes' precision.
const CBRT_STEPS = 4096;
const CBRT_MAX = 1.125;
const CBRT_TABLE = Float64Array.from({ length: CBRT_STEPS + 2 }, (_, i) => Math.cbrt((i * CBRT_MAX) / CBRT_STEPS));
function cbrt(v: number): number {
  if (!(v < CBRT_MAX) || v < BIAS) return Math.cbrt(Math.max(0, v));
  const t = v * (CBRT_STEPS / CBRT_MAX);
  const i = t | 0;
  const lo = CBRT_TABLE[i]!;
  const y = lo + (CBRT_TABLE[i + 1]! - lo) * (t - i);
  return (2 * y + v / (y * y)) * (1 / 3);
}

/** Linear RGB, planar. */
interface LinearImage {
  r: Float32Array;
  g: Float32Array;
  b: Float32Array;
  width: number;
  height: number;
}

function toLinear(pixels: RgbPixels): LinearImage {
  const { data, width, height } = pixels;
  const n = width * height;
  const r = new Float32Array(n), g = new Float32Array(n), b = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    r[i] = SRGB_TO_LINEAR[data[j]!]!;
    g[i] = SRGB_TO_LINEAR[data[j + 1]!]!;
    b[i] = SRGB_TO_LINEAR[data[j + 2]!]!;
  }
  return { r, g, b, width, height };
}

function downscaleBy2(img: LinearImage): LinearImage {
  const { width: inW, height: inH } = img;
  const outW = Math.ceil(inW / 2);
  const outH = Math.ceil(inH / 2);
  const planes = [img.r, img.g, img.b].map((plane) => {
    const out = new Float32Array(outW * outH);
    for (let oy = 0; oy < outH; oy++) {
      const y0 = Math.min(2 * oy, inH - 1) * inW;
      const y1 = Math.min(2 * oy + 1, inH - 1) * inW;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = Math.min(2 * ox, inW - 1);
        const x1 = Math.min(2 * ox + 1, inW - 1);
        out[oy * outW + ox] = (plane[y0 + x0]! + plane[y0 + x1]! + plane[y1 + x0]! + plane[y1 + x1]!) * 0.25;
      }
    }
    return out;
  }) as [Float32Array, Float32Array, Float32Array];
  return { r: planes[0], g: planes[1], b: planes[2], width: outW, height: outH };
}

/** Linear RGB -> XYB, then shifted/scaled into roughly 0..1 as SSIMULACRA2 does ("make positive"). */
function toPositiveXyb(img: LinearImage): [Float32Array, Float32Array, Float32Array] {
  const n = img.width * img.height;
  const X = new Float32Array(n), Y = new Float32Array(n), B = new Float32Array(n);
  const { r, g, b } = img;
  for (let i = 0; i < n; i++) {
    const ri = r[i]!, gi = g[i]!, bi = b[i]!;
    const l = cbrt(M00 * ri + M01 * gi + M02 * bi + BIAS) - BIAS_CBRT;
    const m = cbrt(M10 * ri + M11 * gi + M12 * bi + BIAS) - BIAS_CBRT;
    const s = cbrt(M20 * ri + M21 * gi + M22 * bi + BIAS) - BIAS_CBRT;
    const x = 0.5 * (l - m);
    const y = 0.5 * (l + m);
    X[i] = x * 14 + 0.42;
    Y[i] = y + 0.01;
    B[i] = s - y + 0.55;
  }
  return [X, Y, B];
}

// ---- pooling and the final score ----

// 108 weights: for each plane (X, Y, B), each scale, each norm (1, 4): SSIM, ringing, blurring.
// From libjxl tools/ssimulacra2.cc (identical in rust-av ssimulacra2).
const WEIGHT = [
  0.0, 0.0007376606707406586, 0.0, 0.0, 0.0007793481682867309, 0.0, 0.0, 0.0004371155730107379, 0.0,
  1.1041726426657346, 0.00066284834129271, 0.00015231632783718752, 0.0, 0.0016406437456599754, 0.0,
  1.8422455520539298, 11.441172603757666, 0.0, 0.0007989109436015163, 0.000176816438078653, 0.0,
  1.8787594979546387, 10.94906990605142, 0.0, 0.0007289346991508072, 0.9677937080626833, 0.0,
  0.00014003424285435884, 0.9981766977854967, 0.00031949755934435053, 0.0004550992113792063, 0.0, 0.0,
  0.0013648766163243398, 0.0, 0.0, 0.0, 0.0, 0.0, 7.466890328078848, 0.0, 17.445833984131262,
  0.0006235601634041466, 0.0, 0.0, 6.683678146179332, 0.00037724407979611296, 1.027889937768264,
  225.20515300849274, 0.0, 0.0, 19.213238186143016, 0.0011401524586618361, 0.001237755635509985,
  176.39317598450694, 0.0, 0.0, 24.43300999870476, 0.28520802612117757, 0.0004485436923833408, 0.0, 0.0,
  0.0, 34.77906344483772, 44.835625328877896, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
  0.0008680556573291698, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0005313191874358747, 0.0, 0.00016533814161379112,
  0.0, 0.0, 0.0, 0.0, 0.0, 0.0004179171803251336, 0.0017290828234722833, 0.0, 0.0020827005846636437,
  0.0, 0.0, 8.826982764996862, 23.19243343998926, 0.0, 95.1080498811086, 0.9863978034400682,
  0.9834382792465353, 0.0012286405048278493, 171.2667255897307, 0.9807858872435379, 0.0, 0.0, 0.0,
  0.0005130064588990679, 0.0, 0.00010854057858411537,
] as const;

interface ScaleStats {
  /** Per plane: [1-norm, 4-norm] of 1 - SSIM'. */
  ssim: number[];
  /** Per plane: [ringing 1-norm, ringing 4-norm, blurring 1-norm, blurring 4-norm]. */
  edge: number[];
}

function finalScore(scales: readonly ScaleStats[]): number {
  let sum = 0;
  let i = 0;
  for (let c = 0; c < 3; c++) {
    for (const scale of scales) {
      for (let n = 0; n < 2; n++) {
        sum += WEIGHT[i++]! * Math.abs(scale.ssim[c * 2 + n]!);
        sum += WEIGHT[i++]! * Math.abs(scale.edge[c * 4 + n]!);
        sum += WEIGHT[i++]! * Math.abs(scale.edge[c * 4 + n + 2]!);
      }
    }
  }
  sum *= 0.9562382616834844;
  sum = 6.248496625763138e-5 * sum * sum * sum + 2.326765642916932 * sum - 0.020884521182843837 * sum * sum;
  // A NaN would otherwise read as "identical" (NaN > 0 is false): never let one through.
  if (Number.isNaN(sum)) throw new Error('ssimulacra2: the score is NaN (a bug in this port, not in the input)');
  return sum > 0 ? 100 - 10 * sum ** 0.6276336467831387 : 100;
}

// ---- the reference side, cached ----

interface ReferenceScale {
  width: number;
  height: number;
  /** XYB planes of the original. */
  img: Float32Array[];
  /** Blurred planes (means). */
  mu: Float32Array[];
  /** Blurred squares (E[x^2]). */
  sigmaSq: Float32Array[];
}

/**
 * Throws the classified error (`PROCESSING_FAILED`, not retryable) for pixels SSIMULACRA2 cannot
 * take: under 8x8, or a byte count other than width x height x 3 (an array whose buffer was
 * transferred away counts 0). Exported for the worker scorer, which checks before it hands over.
 */
export function checkSize(what: string, pixels: RgbPixels): void {
  const { width, height, data } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < MIN_SIZE || height < MIN_SIZE) {
    throw new ImageOpsError({
      code: 'PROCESSING_FAILED',
      message: `SSIMULACRA2 needs images of at least ${MIN_SIZE}x${MIN_SIZE} pixels; the ${what} is ${width}x${height}.`,
      retryable: false,
    });
  }
  if (data.length !== width * height * 3) {
    throw new ImageOpsError({
      code: 'PROCESSING_FAILED',
      message: `SSIMULACRA2 takes packed 3-channel RGB: the ${what} has ${data.length} bytes for ${width}x${height}.`,
      retryable: false,
    });
  }
}

/**
 * An original prepared for scoring: its linear-light pyramid, XYB planes, means and
 * variances are computed once, so each candidate costs only its own side.
 *
 * @example
 * ```ts
 * const ref = new Ssimulacra2Reference({ data, width, height });
 * const score = ref.score(decodedCandidate); // 100 = identical
 * ```
 */
export class Ssimulacra2Reference {
  readonly width: number;
  readonly height: number;
  private readonly scales: ReferenceScale[] = [];
  private readonly blurrer: Blur;

  constructor(original: RgbPixels) {
    checkSize('original', original);
    this.width = original.width;
    this.height = original.height;
    this.blurrer = new Blur(original.width * original.height, original.width);
    let linear = toLinear(original);
    for (let s = 0; s < NUM_SCALES; s++) {
      if (s > 0) linear = downscaleBy2(linear);
      const { width, height } = linear;
      if (width < MIN_SIZE || height < MIN_SIZE) break;
      const img = toPositiveXyb(linear);
      const mu = img.map((p) => this.blurred(p, width, height));
      const sigmaSq = img.map((p) => this.blurred(square(p), width, height));
      this.scales.push({ width, height, img, mu, sigmaSq });
    }
  }

  /** SSIMULACRA2 of `distorted` against this original (same size): 100 = identical, lower is worse. */
  score(distorted: RgbPixels): number {
    checkSize('distorted image', distorted);
    if (distorted.width !== this.width || distorted.height !== this.height) {
      throw new ImageOpsError({
        code: 'PROCESSING_FAILED',
        message: `SSIMULACRA2 compares images of one size: ${this.width}x${this.height} against ${distorted.width}x${distorted.height}.`,
        retryable: false,
      });
    }
    let linear = toLinear(distorted);
    const stats: ScaleStats[] = [];
    const product = new Float32Array(this.width * this.height);
    for (let s = 0; s < this.scales.length; s++) {
      const ref = this.scales[s]!;
      if (s > 0) linear = downscaleBy2(linear);
      const { width, height } = ref;
      const n = width * height;
      const img2 = toPositiveXyb(linear);
      const ssim: number[] = [];
      const edge: number[] = [];
      for (let c = 0; c < 3; c++) {
        const p1 = ref.img[c]!, p2 = img2[c]!;
        const mu1 = ref.mu[c]!, s11 = ref.sigmaSq[c]!;
        const mu2 = this.blurred(p2, width, height);
        const s22 = this.blurred(square(p2), width, height);
        const prod = product.subarray(0, n);
        for (let i = 0; i < n; i++) prod[i] = p1[i]! * p2[i]!;
        const s12 = this.blurred(prod, width, height);
        let sum1 = 0, sum4 = 0, ring1 = 0, ring4 = 0, blur1 = 0, blur4 = 0;
        for (let i = 0; i < n; i++) {
          const m1 = mu1[i]!, m2 = mu2[i]!;
          const diff = m1 - m2;
          // SSIM without the luma denominator (SSIMULACRA2's correction), as an error.
          const numM = 1 - diff * diff;
          const numS = 2 * (s12[i]! - m1 * m2) + 0.0009;
          const denS = s11[i]! - m1 * m1 + (s22[i]! - m2 * m2) + 0.0009;
          const d = Math.max(0, 1 - (numM * numS) / denS);
          sum1 += d;
          sum4 += d * d * d * d;
          const e = (1 + Math.abs(p2[i]! - m2)) / (1 + Math.abs(p1[i]! - m1)) - 1;
          if (e > 0) {
            ring1 += e;
            ring4 += e * e * e * e;
          } else {
            blur1 -= e;
            blur4 += e * e * e * e;
          }
        }
        const inv = 1 / n;
        ssim.push(sum1 * inv, Math.sqrt(Math.sqrt(sum4 * inv)));
        edge.push(ring1 * inv, Math.sqrt(Math.sqrt(ring4 * inv)), blur1 * inv, Math.sqrt(Math.sqrt(blur4 * inv)));
      }
      stats.push({ ssim, edge });
    }
    return finalScore(stats);
  }

  private blurred(plane: Float32Array, width: number, height: number): Float32Array {
    const out = new Float32Array(width * height);
    this.blurrer.blur(plane, out, width, height);
    return out;
  }
}

function square(p: Float32Array): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i]! * p[i]!;
  return out;
}

/**
 * SSIMULACRA2 of `distorted` against `original` (8-bit sRGB, same size, at least 8x8):
 * 100 = identical, 90 = visually lossless, 70 = high, 50 = medium, 30 = low quality.
 *
 * @throws ImageOpsError (`PROCESSING_FAILED`, not retryable) for sizes that differ or are under 8x8.
 */
export function ssimulacra2(original: RgbPixels, distorted: RgbPixels): number {
  return new Ssimulacra2Reference(original).score(distorted);
}
