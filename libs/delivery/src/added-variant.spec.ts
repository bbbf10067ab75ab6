import { cdnBaseOf, withAddedVariant } from './added-variant';
import { buildDeliveryRecord, type DeliveryInput } from './delivery-record';

const record = (cdnBaseUrl: string, userId = 'u1') => {
  const input: DeliveryInput = {
    cdnBaseUrl,
    userId,
    imageId: 'img1',
    version: 'v1',
    variants: [
      { key: `compressed/${userId}/img1/v1/full.webp`, format: 'webp', width: 800, height: 600, size: 9000 },
      { key: `compressed/${userId}/img1/v1/full.jpg`, format: 'jpeg', width: 800, height: 600, size: 15000 },
    ],
    renditions: [{ name: 'small', key: `thumbnails/${userId}/img1/v1/small.jpg`, format: 'jpeg', width: 150, height: 113, size: 900 }],
    served: { kind: 'encoded', format: 'webp', savingsPercent: 60, quality: 80 },
  };
  return { input, built: buildDeliveryRecord(input) };
};
const avif = (userId = 'u1') => ({ key: `compressed/${userId}/img1/v1/full.avif`, format: 'avif' as const, width: 800, height: 600, size: 6000 });

describe('withAddedVariant', () => {
  it.each([
    ['an absolute CDN base', 'https://d1.cloudfront.net'],
    ['a root-relative one', '/cdn'],
    ['a local server URL with a path', 'http://127.0.0.1:3000/cdn'],
  ])('is the record buildDeliveryRecord makes with the variant among the files, on %s', (_label, base) => {
    const { input, built } = record(base);

    const added = withAddedVariant(built, { userId: 'u1', imageId: 'img1' }, avif());

    expect(cdnBaseOf(built)).toBe(base);
    expect(added).toEqual(buildDeliveryRecord({ ...input, variants: [...input.variants, avif()] }));
    expect(added.formats).toEqual(['avif', 'webp', 'jpeg']);
    expect(added.negotiatedUrl).toBe(`${base}/compressed/u1/img1/v1/full~avif~webp~jpeg`);
    expect(added.served).toEqual(built.served);
  });

  it('reads the base back from percent-encoded keys (a user id with @)', () => {
    const { built } = record('https://d1.cloudfront.net', 'dev@example.com');

    expect(cdnBaseOf(built)).toBe('https://d1.cloudfront.net');
    expect(withAddedVariant(built, { userId: 'dev@example.com', imageId: 'img1' }, avif('dev@example.com')).srcset.avif).toBe(
      'https://d1.cloudfront.net/compressed/dev%40example.com/img1/v1/full.avif 800w',
    );
  });

  it('refuses a record whose served URL does not end in its key', () => {
    const { built } = record('/cdn');
    const forged = { ...built, served: { ...built.served, url: '/elsewhere/full.webp' } };

    expect(cdnBaseOf(forged)).toBeUndefined();
    expect(() => withAddedVariant(forged, { userId: 'u1', imageId: 'img1' }, avif())).toThrow(/served URL/);
  });
});
