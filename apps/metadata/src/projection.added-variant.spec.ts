import { ImageVariantAddedV1, type ImageVariantAddedData } from '@imgpipe/contracts';
import { projectImage } from './projection';
import { deletedEvent, historyOf, IMAGE_ID, newEvent, processed, successfulRun, USER_ID } from './testing/fixtures';

/** The AVIF step's event for the full example's run (its version), as compress publishes it. */
const added = (overrides: Partial<ImageVariantAddedData> = {}) => {
  const data = ImageVariantAddedV1.data.parse(ImageVariantAddedV1.examples.full);
  const version = overrides.version ?? processed.delivery.version;
  return newEvent(ImageVariantAddedV1, {
    ...data,
    imageId: IMAGE_ID,
    userId: USER_ID,
    version,
    variant: { ...data.variant, key: `compressed/${USER_ID}/${IMAGE_ID}/${version}/full.avif` },
    ...overrides,
  });
};

describe('projectImage: a variant added after ImageProcessed (ImageVariantAdded)', () => {
  it('rebuilds the delivery record with it: formats, negotiated URL, srcset, on the same CDN base', () => {
    const record = projectImage(historyOf([...successfulRun(), added()]));

    const delivery = record?.delivery;
    expect(delivery?.formats).toEqual(['avif', 'webp', 'jpeg']);
    expect(delivery?.negotiatedUrl).toBe(processed.delivery.negotiatedUrl.replace('full~webp~jpeg', 'full~avif~webp~jpeg'));
    const avif = delivery?.variants.find((v) => v.format === 'avif');
    expect(avif).toMatchObject({ key: `compressed/${USER_ID}/${IMAGE_ID}/${processed.delivery.version}/full.avif`, bytes: 771_219 });
    expect(avif?.url.startsWith('https://d111111abcdef8.cloudfront.net/compressed/')).toBe(true);
    expect(delivery?.srcset.avif).toBe(`${avif?.url} 4032w`);
    // What is served by default and the rest of the record stay as they were.
    expect(delivery?.served).toEqual(processed.delivery.served);
    expect(delivery?.renditions).toEqual(processed.delivery.renditions);
    expect(delivery?.placeholder).toEqual(processed.delivery.placeholder);
    expect(record?.status).toBe('processed');
  });

  it('changes nothing for a run the record has left (a reprocess recorded another version)', () => {
    const record = projectImage(historyOf([...successfulRun(), added({ version: 'another0run1' })]));

    expect(record?.delivery).toEqual(processed.delivery);
  });

  it('changes nothing after a delete', () => {
    const record = projectImage(historyOf([...successfulRun(), deletedEvent(), added()]));

    expect(record?.status).toBe('deleted');
    expect(record?.delivery?.formats ?? []).not.toContain('avif');
  });

  it('is dropped by a later ImageProcessed, which brings its own record', () => {
    const run = successfulRun();
    const again = run[3];
    const record = projectImage(historyOf([...run, added(), { ...again, eventId: 'b2f1c0de-0000-4000-8000-000000000001' }]));

    expect(record?.delivery?.formats).toEqual(['webp', 'jpeg']);
  });
});
