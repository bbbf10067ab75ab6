import { cardSet, cropTable, placeholderBudgetLine, placeholderTable, type PlaceholderSample } from './gallery-section';

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
  });
});
