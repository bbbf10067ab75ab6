/**
 * `probe`: what an image really is, from its bytes, without decoding its pixels.
 */
import sharp, { type Metadata } from 'sharp';
import { decodeFailure } from './errors';
import type { InputFormat } from './formats';
import { readHeaderDimensions } from './header';
import { checkDimensions, checkFormat, checkSize, DEFAULT_INPUT_POLICY, type InputPolicy } from './policy';
import { ensureImageRuntime } from './runtime';

/** Facts about an input image. */
export interface ImageFacts {
  /** The real format, from the magic bytes. */
  format: InputFormat;
  /** Displayed width: EXIF orientation applied (a portrait photo stored sideways is portrait here). */
  width: number;
  /** Displayed height (one frame of an animation). */
  height: number;
  /** Frames (animated GIF/WebP) or pages (TIFF, HEIF collections); 1 for a still image. */
  pages: number;
  /** Whether this is an animation (a GIF or WebP with more than one frame). */
  animated: boolean;
  /** EXIF orientation, 1-8 (1 when absent; HEIF rotations are applied by its decoder, so 1). */
  orientation: number;
  /** libvips colour space of the stored pixels, e.g. `srgb`, `cmyk`, `b-w`, `rgb16`. */
  space: string;
  /** Stored channels, e.g. 3 for RGB, 4 for RGBA or CMYK. */
  channels: number;
  /** Whether there is an alpha channel. */
  hasAlpha: boolean;
  /** Whether an ICC colour profile is embedded. */
  hasIcc: boolean;
  /** Whether EXIF metadata is embedded (may hold GPS position; never copied to outputs). */
  hasExif: boolean;
  /** Size of the input in bytes. */
  size: number;
}

/** Facts plus what re-encoding an animation needs. @internal */
export interface Inspection {
  facts: ImageFacts;
  loop?: number;
  delay?: number[];
  /** EXIF, XMP or IPTC present: the original is never served as it is. */
  carriesMetadata: boolean;
}

/** Bytes of the head given to the header parsers: enough for a JPEG's EXIF + ICC segments. */
const HEADER_SCAN_BYTES = 256 * 1024;

/** {@link probe} plus the animation timing. @internal */
export async function inspect(input: Uint8Array, policy: InputPolicy): Promise<Inspection> {
  ensureImageRuntime();
  checkSize(input.length, policy);
  const format = checkFormat(input.subarray(0, 4096), policy);
  // The bomb check: dimensions from the header bytes, before any decoder sees the file.
  const header = readHeaderDimensions(input.subarray(0, HEADER_SCAN_BYTES), format);
  if (header) checkDimensions(header, policy);

  let meta: Metadata;
  try {
    // Reads headers only; no pixel is decoded.
    meta = await sharp(input, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeFailure(error, format);
  }

  const pages = Math.max(1, meta.pages ?? 1);
  const animated = (format === 'gif' || format === 'webp') && pages > 1;
  // libheif applies HEIF's own rotation/mirror boxes while decoding, and its reported size
  // is already the displayed one; an EXIF orientation inside a HEIF is informational only.
  const heif = format === 'heif';
  const width = heif ? meta.width : meta.autoOrient.width;
  const height = heif ? meta.height : meta.autoOrient.height;
  checkDimensions({ width, height, frames: pages, decodedFrames: animated ? pages : 1 }, policy);

  const facts: ImageFacts = {
    format,
    width,
    height,
    pages,
    animated,
    orientation: heif ? 1 : (meta.orientation ?? 1),
    space: meta.space,
    channels: meta.channels,
    hasAlpha: meta.hasAlpha,
    hasIcc: meta.hasProfile,
    hasExif: meta.exif !== undefined && meta.exif.length > 0,
    size: input.length,
  };
  const carriesMetadata = facts.hasExif || (meta.xmp?.length ?? 0) > 0 || (meta.iptc?.length ?? 0) > 0;
  return { facts, loop: meta.loop, delay: meta.delay, carriesMetadata };
}

/**
 * Facts about an image, enforcing the input policy: the real format from magic bytes,
 * displayed size (orientation applied), frames, colour space, alpha, ICC and EXIF presence.
 * Nothing is decoded: a 100000 x 100000 PNG is refused from its IHDR alone.
 *
 * @throws InvalidImageError `EMPTY`, `TOO_LARGE`, `UNSUPPORTED_FORMAT`, `TOO_MANY_PIXELS`,
 * `TOO_MANY_FRAMES`, or `CORRUPT` when the headers cannot be read.
 */
export async function probe(input: Uint8Array, policy: InputPolicy = DEFAULT_INPUT_POLICY): Promise<ImageFacts> {
  return (await inspect(input, policy)).facts;
}
