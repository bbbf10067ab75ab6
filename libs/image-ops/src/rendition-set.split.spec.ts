import {
  DEFAULT_RENDITION_SET,
  EARLY_RENDITION_MAX_SIDE,
  GALLERY_RENDITION_SET,
  MARKETPLACE_RENDITION_SET,
  renditionSetSchema,
  renditionSetVersion,
  splitRenditionSet,
} from './rendition-set';

/** Issue 13: the thumbnail task makes what a shrink-on-load decode can; compress the rest, from its own decode. */
describe('splitRenditionSet', () => {
  it('gives the gallery set\'s 1600 px display to compress and keeps the rest for the thumbnail task', () => {
    const { early, late } = splitRenditionSet(GALLERY_RENDITION_SET);

    expect(Object.keys(early.renditions)).toEqual(['small', 'medium', 'large', 'card']);
    expect(Object.keys(late?.renditions ?? {})).toEqual(['display']);
    expect(late?.renditions['display']).toEqual(GALLERY_RENDITION_SET.renditions['display']);
    // Both halves are valid sets of the same name; the version stays the whole set's.
    expect(renditionSetSchema.parse(early)).toEqual(early);
    expect(renditionSetSchema.parse(late)).toEqual(late);
    expect([early.name, late?.name]).toEqual([GALLERY_RENDITION_SET.name, GALLERY_RENDITION_SET.name]);
    expect(renditionSetVersion(early)).not.toBe(renditionSetVersion(GALLERY_RENDITION_SET));
  });

  it('does not split a set whose renditions all fit the early decode', () => {
    expect(splitRenditionSet(DEFAULT_RENDITION_SET)).toEqual({ early: DEFAULT_RENDITION_SET });
    expect(splitRenditionSet(MARKETPLACE_RENDITION_SET)).toEqual({ early: MARKETPLACE_RENDITION_SET });
  });

  it('splits on the longer side of the box, at EARLY_RENDITION_MAX_SIDE inclusive', () => {
    const set = renditionSetSchema.parse({
      name: 'edge',
      renditions: {
        square: { width: EARLY_RENDITION_MAX_SIDE, height: EARLY_RENDITION_MAX_SIDE },
        tall: { width: 200, height: EARLY_RENDITION_MAX_SIDE + 1 },
      },
    });
    const { early, late } = splitRenditionSet(set);
    expect(Object.keys(early.renditions)).toEqual(['square']);
    expect(Object.keys(late?.renditions ?? {})).toEqual(['tall']);
  });

  it('leaves a set of only large renditions whole to the thumbnail task, which never has nothing to make', () => {
    const set = renditionSetSchema.parse({ name: 'big', renditions: { hero: { width: 2048, height: 2048 } } });
    expect(splitRenditionSet(set)).toEqual({ early: set });
  });
});
