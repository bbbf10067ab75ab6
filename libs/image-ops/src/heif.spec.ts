import sharp from 'sharp';
import { compress } from './compress';
import { decodeHeif } from './heif';
import { probe } from './probe';
import { resolveInputPolicy } from './policy';
import { renditions } from './renditions';
import { fixture, outputMetadata } from './testing';

/** Mean absolute difference per channel between two same-sized images, 0-255. */
async function meanDifference(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((img) => sharp(img).removeAlpha().raw().toBuffer()));
  if (!x || !y || x.length !== y.length) throw new Error('sizes differ');
  let sum = 0;
  for (let i = 0; i < x.length; i += 1) sum += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return sum / x.length;
}

describe('HEIC (HEVC) input, decoded through libheif in WebAssembly', () => {
  const heic = fixture('photo-480x320.heic');
  const source = fixture('photo-480x320.jpg'); // what the HEIC was encoded from

  it('probes without decoding', async () => {
    await expect(probe(heic)).resolves.toMatchObject({ format: 'heif', width: 480, height: 320, hasAlpha: false });
  });

  it('decodes to the picture it was made from', async () => {
    const { variants } = await compress(heic, { formats: ['webp', 'jpeg'], webp: { quality: 95 } });

    const [webp, jpeg] = variants;
    expect(webp).toMatchObject({ format: 'webp', width: 480, height: 320 });
    const meta = await outputMetadata(webp?.data ?? Buffer.alloc(0));
    expect([meta.width, meta.height, meta.hasAlpha, meta.channels]).toEqual([480, 320, false, 3]);
    // Two lossy generations from the same JPEG: close, channel order and row stride right.
    expect(await meanDifference(webp?.data ?? Buffer.alloc(0), source)).toBeLessThan(6);
    expect(await meanDifference(jpeg?.data ?? Buffer.alloc(0), source)).toBeLessThan(6);
  });

  it("decodes the same pixels as heic-decode's own entry (one libheif for the process)", async () => {
    const { default: heicDecode } = await import('heic-decode');
    const reference = await heicDecode({ buffer: heic });

    const pixels = await decodeHeif(heic, { width: 480, height: 320 }, resolveInputPolicy());

    expect([pixels.width, pixels.height, pixels.channels]).toEqual([reference.width, reference.height, 4]);
    expect(pixels.data.equals(Buffer.from(reference.data.buffer, reference.data.byteOffset, reference.data.byteLength))).toBe(true);
  });

  it('makes renditions', async () => {
    const result = await renditions(heic);

    expect(result.renditions.map((r) => `${r.name}:${r.width}x${r.height}`)).toEqual([
      'small:150x100',
      'medium:300x200',
      'large:480x320',
    ]);
  });

  it('guards the decoder with the pixel limit, from the header', async () => {
    await expect(compress(heic, {}, resolveInputPolicy({ maxPixels: 480 * 320 - 1 }))).rejects.toMatchObject({
      code: 'TOO_MANY_PIXELS',
    });
  });

  it('calls a truncated HEIC corrupt', async () => {
    const truncated = heic.subarray(0, Math.floor(heic.length / 2));
    const libheifLog = jest.spyOn(console, 'log').mockImplementation(() => undefined); // libheif-js logs its errors

    await expect(compress(truncated)).rejects.toMatchObject({ name: 'InvalidImageError', code: 'CORRUPT' });
    libheifLog.mockRestore();
  });
});
