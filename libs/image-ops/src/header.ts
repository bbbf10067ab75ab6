/**
 * Image dimensions read from the first bytes of a file by hand, without any decoder.
 *
 * Why hand-written: the pixel limit must hold before a decoder allocates anything, and the
 * ingest check sees only the first bytes of an upload (a partial file that no decoder
 * accepts). These parsers are bounds-checked and give up (return `undefined`) rather than guess.
 */
import type { InputFormat } from './formats';

/** Width and height as stored in the file (before any EXIF orientation is applied). */
export interface HeaderDimensions {
  width: number;
  height: number;
}

function u16be(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}
function u16le(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
function u24le(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16);
}
function u32be(b: Uint8Array, o: number): number {
  return (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
}
function fourcc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o] ?? 0, b[o + 1] ?? 0, b[o + 2] ?? 0, b[o + 3] ?? 0);
}

/** PNG: the IHDR chunk must come first, right after the 8-byte signature. */
function png(b: Uint8Array): HeaderDimensions | undefined {
  if (b.length < 24 || fourcc(b, 12) !== 'IHDR') return undefined;
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

/** GIF: the logical screen size, which every frame is drawn into. */
function gif(b: Uint8Array): HeaderDimensions | undefined {
  if (b.length < 10) return undefined;
  return { width: u16le(b, 6), height: u16le(b, 8) };
}

/** WebP: the lossy (VP8), lossless (VP8L) or extended (VP8X) first chunk. */
function webp(b: Uint8Array): HeaderDimensions | undefined {
  const chunk = fourcc(b, 12);
  if (chunk === 'VP8 ' && b.length >= 30) {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    if (b[20] !== 0x2f) return undefined;
    const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) {
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  }
  return undefined;
}

/** JPEG: walk the marker segments up to the first start-of-frame (SOF0..SOF15 but DHT/JPG/DAC). */
function jpeg(b: Uint8Array): HeaderDimensions | undefined {
  let o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) return undefined;
    const marker = b[o + 1] ?? 0;
    if (marker === 0xff) {
      o += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += 2; // standalone markers carry no length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data before any frame header
    const length = u16be(b, o + 2);
    if (length < 2) return undefined;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (o + 9 > b.length) return undefined;
      return { width: u16be(b, o + 7), height: u16be(b, o + 5) };
    }
    o += 2 + length;
  }
  return undefined;
}

interface Box {
  type: string;
  start: number; // first byte of the payload
  end: number; // one past the last byte (clipped to what we have)
}

function* boxes(b: Uint8Array, start: number, end: number): Generator<Box> {
  let o = start;
  while (o + 8 <= end) {
    let size = u32be(b, o);
    const type = fourcc(b, o + 4);
    let header = 8;
    if (size === 1) {
      if (o + 16 > end) return;
      const high = u32be(b, o + 8);
      if (high !== 0) return; // > 4 GiB: nothing we would read
      size = u32be(b, o + 12);
      header = 16;
    } else if (size === 0) {
      size = end - o;
    }
    if (size < header) return;
    yield { type, start: o + header, end: Math.min(o + size, end) };
    o += size;
  }
}

function child(b: Uint8Array, parent: Box, type: string, fullBox = false): Box | undefined {
  for (const box of boxes(b, parent.start + (fullBox ? 4 : 0), parent.end)) if (box.type === type) return box;
  return undefined;
}

/**
 * HEIF/AVIF: the largest `ispe` (image spatial extents) property in `meta/iprp/ipco`.
 * A grid image's own `ispe` is the whole picture; tiles and thumbnails are smaller, so the
 * largest is a safe upper bound for the pixel check.
 */
function isobmff(b: Uint8Array): HeaderDimensions | undefined {
  const all: Box = { type: 'file', start: 0, end: b.length };
  const meta = child(b, all, 'meta');
  if (!meta) return undefined;
  const iprp = child(b, meta, 'iprp', true);
  const ipco = iprp && child(b, iprp, 'ipco');
  if (!ipco) return undefined;
  let best: HeaderDimensions | undefined;
  for (const box of boxes(b, ipco.start, ipco.end)) {
    if (box.type !== 'ispe' || box.start + 12 > box.end) continue;
    const dims = { width: u32be(b, box.start + 4), height: u32be(b, box.start + 8) };
    if (!best || dims.width * dims.height > best.width * best.height) best = dims;
  }
  return best;
}

/**
 * Width and height as the file's header stores them, from the first bytes only, or
 * `undefined` where the format or the bytes given do not say (TIFF, SVG, a JPEG whose
 * frame header lies beyond `head`). For JPEG these are the stored dimensions, before EXIF
 * orientation; for the pixel count that makes no difference.
 */
export function readHeaderDimensions(head: Uint8Array, format: InputFormat): HeaderDimensions | undefined {
  switch (format) {
    case 'png':
      return png(head);
    case 'gif':
      return gif(head);
    case 'webp':
      return webp(head);
    case 'jpeg':
      return jpeg(head);
    case 'avif':
    case 'heif':
      return isobmff(head);
    default:
      return undefined;
  }
}
