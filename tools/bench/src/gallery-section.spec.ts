import { GALLERY_RENDITION_SET, renditionFormats } from '@imgpipe/image-ops';
import { cardSet, cropTable, placeholderBudgetLine, placeholderTable, primaryFormatOnly, webpRenditionsLine, type PlaceholderSample } from './gallery-section';

const sample = (over: Partial<PlaceholderSample>): PlaceholderSample => ({
  photo: 'issue70.jpg',
  megapixels: 13.1,
  thirteen: true,
  placeholderMs: [4, 6, 5],
  renditionsMs: [100, 120, 110],
  ...over,
});

describe('the gallery section', () => {
  it('reports the placeholder median against the renditions it rides with', () => {
    const table = placeholderTable([sample({})]);

    expect(table.split('\n')[2]).toMatch(/^issue70\.jpg\s+13\.1\s+3\s+5\.0\s+110\.0\s+4\.5$/);
  });

  it('checks the 20 ms budget on the ~13 MP photo only', () => {
    expect(placeholderBudgetLine([sample({ thirteen: false, placeholderMs: [90] }), sample({})])).toMatch(/5\.0 ms median.*: MET$/);
    expect(placeholderBudgetLine([sample({ placeholderMs: [19, 25, 30] })])).toMatch(/: NOT MET$/);
    expect(placeholderBudgetLine([sample({ thirteen: false })])).toMatch(/not measured/);
  });

  it("prints each smart crop's cost over centre", () => {
    const table = cropTable([{ photo: 'a.jpg', megapixels: 6, ms: { centre: [100], attention: [130, 140], entropy: [120] } }]);

    expect(table.split('\n')[2]).toMatch(/^a\.jpg\s+6\.0\s+100\.0\s+135\.0\s+35\.0\s+120\.0\s+20\.0$/);
  });

  it("crops the gallery set's card at the position asked", () => {
    expect(cardSet('entropy').renditions['card']).toMatchObject({ width: 400, height: 400, fit: 'cover', position: 'entropy' });
    // The crop alone: one JPEG card, not its WebP copy too.
    expect(cardSet('entropy').renditions['card']?.alsoAs).toBeUndefined();
  });

  it('compares the gallery set with itself JPEG-only, and prints what WebP adds and saves', () => {
    const jpegOnly = primaryFormatOnly(GALLERY_RENDITION_SET);
    expect(Object.keys(jpegOnly.renditions)).toEqual(Object.keys(GALLERY_RENDITION_SET.renditions));
    expect(Object.values(jpegOnly.renditions).map(renditionFormats)).toEqual(Object.values(GALLERY_RENDITION_SET.renditions).map(() => ['jpeg']));
    const line = webpRenditionsLine('issue70.jpg', { renditionsMs: { gallery: [300, 320, 310], jpegOnly: [200, 210, 190] }, jpegBytes: 1000, webpBytes: 700 });
    expect(line).toBe(
      'WebP beside JPEG renditions (gallery set, issue70.jpg, median of 3): 310 ms vs 200 ms JPEG-only (+110 ms, +55%); the WebP files are 30% smaller than the JPEGs (700 vs 1000 bytes)',
    );
  });
});
