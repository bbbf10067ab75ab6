/**
 * The input policy: which images are accepted at all, checked before anything is decoded.
 */
import { DEFAULT_INPUT_FORMATS, DEFAULT_MAX_UPLOAD_BYTES, UPLOAD_REFUSALS } from '@imgpipe/contracts/vocabulary';
import { z } from 'zod';
import { InvalidImageError } from './errors';
import { INPUT_FORMATS, type InputFormat, sniffFormat } from './formats';
import { readHeaderDimensions } from './header';

/** Validates an {@link InputPolicy}. */
export const inputPolicySchema = z
  .object({
    /** Formats accepted; anything else is `UNSUPPORTED_FORMAT`. */
    formats: z.array(z.enum(INPUT_FORMATS)).min(1),
    /** Largest file accepted, in bytes; larger is `TOO_LARGE`. */
    maxBytes: z.number().int().positive(),
    /** Largest decoded size, in pixels (all frames of an animation together); larger is `TOO_MANY_PIXELS`. */
    maxPixels: z.number().int().positive(),
    /** Most frames/pages accepted; more is `TOO_MANY_FRAMES`. */
    maxFrames: z.number().int().positive(),
    /** Optional cap on width and height each; larger is `TOO_MANY_PIXELS`. */
    maxDimension: z.number().int().positive().optional(),
  })
  .strict();

/** What input is accepted. Build one with {@link resolveInputPolicy}. */
export type InputPolicy = z.infer<typeof inputPolicySchema>;

/**
 * Safe defaults.
 * - Every format but SVG: SVG is a document that can reference other resources and
 *   render with unbounded cost, and a photo pipeline has no use for it.
 * - 25 MiB: larger than any straight-from-camera JPEG or phone HEIC, small enough to bound
 *   the bytes a function reads.
 * - 100 MP: above every phone camera's default output (12-50 MP) and full-frame cameras
 *   (45-61 MP). Decoded to RGBA that is 400 MB, the most one decode should cost on a
 *   2-3 GB function; a small file claiming more (a decompression bomb) is refused from
 *   its header, before any decoder allocates.
 * - 500 frames: generous for animated GIF/WebP; each frame is decoded, so frames also
 *   count towards the pixel limit.
 */
export const DEFAULT_INPUT_POLICY: InputPolicy = Object.freeze({
  formats: [...DEFAULT_INPUT_FORMATS],
  maxBytes: DEFAULT_MAX_UPLOAD_BYTES,
  maxPixels: 100_000_000,
  maxFrames: 500,
}) as InputPolicy;

/**
 * The default policy with `overrides` applied, validated (throws a `ZodError` on nonsense).
 *
 * @example
 * ```ts
 * const policy = resolveInputPolicy({ maxBytes: 10 * 1024 * 1024, formats: ['jpeg', 'png'] });
 * ```
 */
export function resolveInputPolicy(overrides: Partial<InputPolicy> = {}): InputPolicy {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const policy = inputPolicySchema.parse({ ...DEFAULT_INPUT_POLICY, ...defined });
  return { ...policy, formats: [...new Set(policy.formats)] };
}

function mp(pixels: number): string {
  return `${(pixels / 1e6).toFixed(1)} MP`;
}

/** `EMPTY` and `TOO_LARGE` from the byte size alone. @internal */
export function checkSize(size: number, policy: InputPolicy): void {
  // The words are the contracts' (UPLOAD_REFUSALS): the web UI says the same before an upload.
  if (size <= 0) throw new InvalidImageError('EMPTY', UPLOAD_REFUSALS.empty());
  if (size > policy.maxBytes) throw new InvalidImageError('TOO_LARGE', UPLOAD_REFUSALS.tooLarge(size, policy.maxBytes));
}

/** The real format from the magic bytes, refused unless the policy accepts it. @internal */
export function checkFormat(head: Uint8Array, policy: InputPolicy): InputFormat {
  const format = sniffFormat(head);
  if (format === undefined) throw new InvalidImageError('UNSUPPORTED_FORMAT', UPLOAD_REFUSALS.unrecognised(policy.formats));
  if (!policy.formats.includes(format)) {
    throw new InvalidImageError('UNSUPPORTED_FORMAT', UPLOAD_REFUSALS.notAccepted(format, policy.formats));
  }
  return format;
}

/**
 * `TOO_MANY_PIXELS` and `TOO_MANY_FRAMES` from dimensions and a frame count.
 * `frames` counts towards the pixels only when every frame will be decoded (animations).
 * @internal
 */
export function checkDimensions(
  dims: { width: number; height: number; frames?: number; decodedFrames?: number },
  policy: InputPolicy,
): void {
  const { width, height } = dims;
  if (width <= 0 || height <= 0) {
    throw new InvalidImageError('CORRUPT', `The image header gives an impossible size of ${width} x ${height}.`);
  }
  const frames = dims.frames ?? 1;
  if (frames > policy.maxFrames) {
    throw new InvalidImageError('TOO_MANY_FRAMES', `The image has ${frames} frames; the limit is ${policy.maxFrames}.`);
  }
  if (policy.maxDimension !== undefined && Math.max(width, height) > policy.maxDimension) {
    throw new InvalidImageError(
      'TOO_MANY_PIXELS',
      `The image is ${width} x ${height} pixels; neither side may exceed ${policy.maxDimension}.`,
    );
  }
  const decodedFrames = dims.decodedFrames ?? 1;
  const pixels = width * height * decodedFrames;
  if (pixels > policy.maxPixels) {
    const size =
      decodedFrames > 1
        ? `${decodedFrames} frames of ${width} x ${height} pixels (${mp(pixels)} in all)`
        : `${width} x ${height} pixels (${mp(pixels)})`;
    throw new InvalidImageError('TOO_MANY_PIXELS', `The image is ${size}; the limit is ${mp(policy.maxPixels)}.`);
  }
}

/** What {@link checkUploadHead} learnt from the first bytes. */
export interface UploadHeadCheck {
  /** The real format, from the magic bytes. */
  format: InputFormat;
  /** Stored width, where the header gives it (PNG, GIF, JPEG, WebP, HEIF/AVIF `ispe`). */
  width?: number;
  /** Stored height, where the header gives it. */
  height?: number;
}

/**
 * The ingest-time check, from the first bytes of an upload (64 KiB is plenty) and the
 * object's size, with no decoder (synchronous): refuses an empty or oversized object, a
 * type other than the policy's, and, where the header gives dimensions (PNG IHDR, GIF
 * screen, JPEG SOF, WebP VP8/VP8L/VP8X, HEIF/AVIF `ispe`), more pixels than allowed.
 * Frame counts and anything the header does not say are checked later by {@link probe}.
 *
 * @throws InvalidImageError
 * @example
 * ```ts
 * const head = await store.getRange(key, 0, 65535);
 * const { format } = checkUploadHead(head, object.size);
 * ```
 */
export function checkUploadHead(
  head: Uint8Array,
  size: number,
  policy: InputPolicy = DEFAULT_INPUT_POLICY,
): UploadHeadCheck {
  checkSize(size, policy);
  const format = checkFormat(head, policy);
  const dims = readHeaderDimensions(head, format);
  if (!dims) return { format };
  checkDimensions(dims, policy);
  return { format, width: dims.width, height: dims.height };
}

const limitVariable = z.coerce.number().int().positive().optional();

/**
 * The environment variables every service reads its input limits from, as one zod shape to
 * spread into a service's config schema: `MAX_UPLOAD_BYTES`, `MAX_PIXELS`, `MAX_FRAMES`.
 * Unset ones keep {@link DEFAULT_INPUT_POLICY}'s values.
 */
export const inputPolicyEnvShape = {
  MAX_UPLOAD_BYTES: limitVariable,
  MAX_PIXELS: limitVariable,
  MAX_FRAMES: limitVariable,
} as const;

/** The variables of {@link inputPolicyEnvShape}, parsed. */
export interface InputPolicyEnv {
  readonly MAX_UPLOAD_BYTES?: number;
  readonly MAX_PIXELS?: number;
  readonly MAX_FRAMES?: number;
}

/** The input policy those variables describe. */
export function inputPolicyFromEnv(env: InputPolicyEnv): InputPolicy {
  return resolveInputPolicy({
    ...(env.MAX_UPLOAD_BYTES ? { maxBytes: env.MAX_UPLOAD_BYTES } : {}),
    ...(env.MAX_PIXELS ? { maxPixels: env.MAX_PIXELS } : {}),
    ...(env.MAX_FRAMES ? { maxFrames: env.MAX_FRAMES } : {}),
  });
}
