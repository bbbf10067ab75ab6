import type { ImageChange, ImageDetails } from './api';
import { createEarlyRenditions } from './early-renditions';

const PLACEHOLDER = { thumbHash: 'AAgCBwAAAAAAAAAAAAAAAAAAAAA=', dominantColour: '#6b8fb3', aspectRatio: 1.3333 };
const CARD = 'thumbnails/u-1/img-1/v1/card.jpg';

function details(status: 'processing' | 'processed' | 'deleted', thumbnails?: Record<string, string>): ImageDetails {
  return {
    imageId: 'img-1',
    image: { imageId: 'img-1', userId: 'u-1', uploadedAt: '2026-12-06T00:00:00.000Z', status, ...(thumbnails ? { thumbnails } : {}) },
    history: [],
  };
}

const thumbnailsChange: ImageChange = {
  imageId: 'img-1',
  detailType: 'ThumbnailsGenerated',
  status: 'processing',
  thumbnails: { card: CARD },
  placeholder: PLACEHOLDER,
};

describe('the early card from the live update (issue 13)', () => {
  it('shows the renditions a change carries on the last details read, without waiting for the read', () => {
    const early = createEarlyRenditions();
    early.merge(details('processing'));

    const now = early.fromChange(thumbnailsChange);

    expect(now?.image).toMatchObject({ status: 'processing', thumbnails: { card: CARD }, placeholder: PLACEHOLDER });
  });

  it('keeps them over an answer to a read that started before the change (no step back to the placeholder)', () => {
    const early = createEarlyRenditions();
    early.merge(details('processing'));
    early.fromChange(thumbnailsChange);

    const late = early.merge(details('processing'));

    expect(late.image?.thumbnails).toEqual({ card: CARD });
  });

  it('lets the record decide once it has renditions of its own, and once the image has ended', () => {
    const early = createEarlyRenditions();
    early.merge(details('processing'));
    early.fromChange(thumbnailsChange);

    const caughtUp = early.merge(details('processing', { card: 'thumbnails/u-1/img-1/v2/card.jpg' }));
    expect(caughtUp.image?.thumbnails).toEqual({ card: 'thumbnails/u-1/img-1/v2/card.jpg' });

    early.fromChange(thumbnailsChange);
    const deleted = early.merge(details('deleted'));
    expect(deleted.image?.thumbnails).toBeUndefined();
    // The image ended: a stale change of it draws nothing.
    expect(early.fromChange(thumbnailsChange)).toBeUndefined();
  });

  it('draws nothing for a change without renditions, of an image not processing, or of an image never read', () => {
    const early = createEarlyRenditions();
    expect(early.fromChange(thumbnailsChange)).toBeUndefined(); // never read: the read the change starts shows it

    early.merge(details('processing'));
    expect(early.fromChange({ imageId: 'img-1', detailType: 'ImageUploaded', status: 'processing' })).toBeUndefined();
    expect(early.fromChange({ ...thumbnailsChange, thumbnails: {} })).toBeUndefined();
    expect(early.fromChange({ ...thumbnailsChange, status: 'processed' })).toBeUndefined();
  });
});
