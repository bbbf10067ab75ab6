/**
 * HEIC/HEIF decoding through libheif compiled to WebAssembly (`heic-decode`).
 *
 * Why: sharp's prebuilt libvips has libheif with the AV1 codec only (no HEVC, for patent
 * reasons), so it reads a HEIC's headers but not its pixels. libheif-js decodes HEVC in
 * WASM; we hand its RGBA pixels to sharp as raw input.
 *
 * What is kept: libheif applies the HEIF rotation/mirror boxes (`irot`/`imir`) and crop
 * (`clap`), so pixels arrive as displayed. What is lost: the colour profile (a Display P3
 * iPhone photo is read as if it were sRGB: slightly less saturated, never wrong-looking),
 * bit depth above 8, HDR gain maps and depth images. EXIF/XMP are never copied to outputs
 * anyway. The decoder runs on the JS thread and is slower than libvips' native decoders.
 *
 * One libheif instance a decode, dropped after it: a WebAssembly memory only ever grows (16 MiB
 * at the start, then as far as the largest image decoded needed: its RGBA frame alone is 4 bytes
 * a pixel, beside libheif's planes), so heic-decode's own entry, which binds one instance for the
 * life of the process, kept ~29 MiB from a 0.15 MP HEIC on, and more after a larger one, in every
 * long-running process (the local runtime, a warm Lambda). Its `lib.js` takes the instance to use: each
 * decode makes one and lets it go, and the next collection frees its memory. Costs ~70 ms of CPU
 * a decode, most of it the instantiation's JavaScript (libheif's bindings set up again; a
 * WebAssembly.Module compiled once and reused saved nothing measurable); measured in
 * tools/local/README.md ("Memory").
 */
import type { HeicImageList } from 'heic-decode/lib.js';
import { decodeFailure, InvalidImageError } from './errors';
import { checkDimensions, type InputPolicy } from './policy';

/** RGBA pixels of the primary image, as displayed. */
export interface HeifPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 4;
}

/**
 * Decodes the HEIF image whose displayed size is `expected` (the primary image, as
 * `probe` reported it), re-checking the pixel limit on libheif's own parse before any
 * pixel is decoded.
 * @internal
 */
export async function decodeHeif(
  input: Uint8Array,
  expected: { width: number; height: number },
  policy: InputPolicy,
): Promise<HeifPixels> {
  const [{ default: bindDecoder }, { default: createLibheif }] = await Promise.all([
    import('heic-decode/lib.js'),
    import('libheif-js/libheif-wasm/libheif-bundle.js'),
  ]);
  // libheif reads the whole view; hand it exactly the input's bytes.
  const exact =
    input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? input : new Uint8Array(input);
  let images: HeicImageList;
  try {
    // This decode's own instance: nothing keeps it after this call (see the module comment).
    images = await bindDecoder(createLibheif()).all({ buffer: exact });
  } catch (error) {
    throw decodeFailure(error, 'HEIF');
  }
  try {
    const image = images.find((i) => i.width === expected.width && i.height === expected.height) ?? images[0];
    if (!image) throw new InvalidImageError('CORRUPT', 'The HEIF file contains no image.');
    checkDimensions({ width: image.width, height: image.height }, policy);
    const decoded = await image.decode();
    const { data } = decoded;
    return {
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      width: decoded.width,
      height: decoded.height,
      channels: 4,
    };
  } catch (error) {
    throw decodeFailure(error, 'HEIF');
  } finally {
    images.dispose();
  }
}
