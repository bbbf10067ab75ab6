import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

/**
 * Test images made on the fly, for the specs of projects that may not import sharp
 * themselves (`@imgpipe/image-ops/testing`). Not part of the runtime API.
 */
export type TestImageKind =
  | 'jpeg'
  | 'jpeg-rotated'
  | 'png-alpha'
  | 'gif-animated'
  | 'gif-animated-webp-larger'
  | 'svg'
  | 'random'
  | 'empty'
  | 'png-bomb-header'
  | 'truncated-jpeg'
  | 'jpeg-gps'
  | 'jpeg-cmyk'
  | 'jpeg-adobe-rgb'
  | 'jpeg-p3'
  | 'png-16bit'
  | 'gif'
  | 'webp'
  | 'webp-animated'
  | 'avif'
  | 'tiff'
  | 'heic';

/** The committed fixtures (see `fixtures/README.md`). */
export const FIXTURES_DIR = join(__dirname, '..', '..', 'fixtures');

/** A committed fixture's bytes, e.g. `fixture('photo-480x320.heic')`. */
export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES_DIR, name));
}

export interface TestImageOptions {
  readonly width?: number;
  readonly height?: number;
}

function photoLike(width: number, height: number, channels: 3 | 4): Sharp {
  // Noise over a gradient compresses like a photo rather than like a flat colour.
  const gradient = Buffer.alloc(width * height * channels);
  let seed = 42;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >> 16) % 24;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      gradient[i] = Math.min(255, (x * 230) / width + noise());
      gradient[i + 1] = Math.min(255, (y * 230) / height + noise());
      gradient[i + 2] = 100 + noise();
      if (channels === 4) gradient[i + 3] = x < width / 2 ? 255 : 96;
    }
  }
  return sharp(gradient, { raw: { width, height, channels } });
}

/** A PNG header declaring `width` x `height` with a valid CRC and a tiny IDAT: a decompression bomb's calling card. */
export function pngHeader(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = (crcTable[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Bytes of a test image of the given kind (default 640x480). */
export async function testImage(kind: TestImageKind, options: TestImageOptions = {}): Promise<Buffer> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  switch (kind) {
    case 'jpeg':
      return photoLike(width, height, 3).jpeg({ quality: 92 }).toBuffer();
    case 'jpeg-rotated':
      // Stored landscape, displayed portrait (EXIF orientation 6).
      return photoLike(width, height, 3).jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toBuffer();
    case 'png-alpha':
      return photoLike(width, height, 4).png().toBuffer();
    case 'gif-animated': {
      const frames = await Promise.all(
        [0, 1, 2].map((i) => photoLike(width, height, 4).modulate({ hue: i * 90 }).raw().toBuffer()),
      );
      return sharp(Buffer.concat(frames), { raw: { width, height: height * 3, channels: 4, pageHeight: height } })
        .gif({ loop: 0, delay: [100, 100, 100] })
        .toBuffer();
    }
    case 'gif-animated-webp-larger': {
      // Issue 11's case: an animated GIF every WebP (lossy, and lossless) of which is larger.
      // A two-colour 1 px checkerboard shifting a pixel a frame, 8 frames of 16x16 by default:
      // GIF's LZW codes each frame in a few bytes, WebP's per-frame overhead is larger.
      const w = options.width ?? 16;
      const hgt = options.height ?? 16;
      const frames = Array.from({ length: 8 }, (_, f) => {
        const px = Buffer.alloc(w * hgt * 4);
        for (let i = 0; i < w * hgt; i++) px.set(((i % w) + Math.floor(i / w) + f) % 2 ? [255, 0, 0, 255] : [0, 0, 255, 255], i * 4);
        return px;
      });
      return sharp(Buffer.concat(frames), { raw: { width: w, height: hgt * 8, channels: 4, pageHeight: hgt } })
        .gif({ loop: 0, delay: Array.from({ length: 8 }, () => 80) })
        .toBuffer();
    }
    case 'svg':
      return Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="red"/></svg>`,
      );
    case 'random':
      return Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    case 'empty':
      return Buffer.alloc(0);
    case 'png-bomb-header':
      return pngHeader(100_000, 100_000);
    case 'truncated-jpeg': {
      const full = await photoLike(width, height, 3).jpeg().toBuffer();
      return full.subarray(0, Math.floor(full.length / 3));
    }
    case 'jpeg-gps':
      // A camera-like EXIF block with a GPS position (IFD3 is the GPS directory).
      return photoLike(width, height, 3)
        .jpeg({ quality: 92 })
        .withExif({
          IFD0: { Make: 'imgpipe', Model: 'test camera' },
          IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2600/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3900/100' },
        })
        .toBuffer();
    case 'jpeg-cmyk':
      return photoLike(width, height, 3).toColourspace('cmyk').jpeg({ quality: 92 }).toBuffer();
    case 'jpeg-adobe-rgb':
      return photoLike(width, height, 3)
        .jpeg({ quality: 92 })
        .withIccProfile(join(FIXTURES_DIR, 'compatibleWithAdobeRGB1998.icc'))
        .toBuffer();
    case 'jpeg-p3':
      return photoLike(width, height, 3).jpeg({ quality: 92 }).withIccProfile('p3').toBuffer();
    case 'png-16bit':
      return photoLike(width, height, 3).toColourspace('rgb16').png().toBuffer();
    case 'gif':
      return photoLike(width, height, 3).gif().toBuffer();
    case 'webp':
      return photoLike(width, height, 3).webp({ quality: 90 }).toBuffer();
    case 'webp-animated': {
      const gif = await testImage('gif-animated', options);
      return sharp(gif, { animated: true }).webp({ quality: 90, loop: 0, delay: [100, 100, 100] }).toBuffer();
    }
    case 'avif':
      return photoLike(width, height, 3).avif({ quality: 60, effort: 0 }).toBuffer();
    case 'tiff':
      return photoLike(width, height, 3).tiff({ compression: 'lzw' }).toBuffer();
    case 'heic':
      // HEVC-coded, made with libheif's heif-enc; its size is fixed at 480 x 320.
      return fixture('photo-480x320.heic');
  }
}

/** Channel values of the pixel at (x, y) of an encoded image (first frame), for colour checks. */
export async function pixelAt(image: Uint8Array, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return Array.from(data.subarray(i, i + info.channels));
}

/** sharp's metadata of an encoded image (format, size, pages, exif, icc ...), for output checks. */
export async function outputMetadata(image: Uint8Array) {
  return sharp(image).metadata();
}

/** A flat-colour image in the given format; `alpha` (0-1) adds an alpha channel. */
export async function solidImage(
  colour: string,
  format: 'jpeg' | 'png' | 'webp',
  options: TestImageOptions & { alpha?: number } = {},
): Promise<Buffer> {
  const width = options.width ?? 64;
  const height = options.height ?? 48;
  const image = sharp({ create: { width, height, channels: 3, background: colour } });
  const withAlpha = options.alpha === undefined ? image : image.ensureAlpha(options.alpha);
  return withAlpha.toFormat(format, format === 'webp' ? { lossless: true } : { quality: 95 }).toBuffer();
}
