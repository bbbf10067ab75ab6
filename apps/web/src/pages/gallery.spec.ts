import { MAX_NAME_QUERY_LENGTH, type ImageView } from '../api';
import { countText, formatLabel, galleryFilterFromHash, galleryHash, matchesFilter, type GalleryFilter } from './gallery';
import { toListFilter } from './gallery-query';

const view = (overrides: Partial<ImageView> = {}): ImageView => ({
  imageId: 'img1',
  userId: 'u1',
  uploadedAt: '2026-12-05T10:00:00.000Z',
  status: 'processed',
  // As the upload sanitiser stores it: spaces became `_`.
  originalKey: 'uploads/u1/img1/Harbour_at_Dusk.jpg',
  format: 'jpeg',
  ...overrides,
});
const any: GalleryFilter = { search: '', status: '', format: '' };

describe('matchesFilter (live updates against the listing the server filtered)', () => {
  it('lets everything but a deleted image through without a filter', () => {
    expect(matchesFilter(view(), any)).toBe(true);
    expect(matchesFilter(view({ status: 'deleted' }), any)).toBe(false);
  });

  it('searches the file name as the server does: any case, `_` as a space, surrounding spaces ignored', () => {
    expect(matchesFilter(view(), { ...any, search: ' harbour AT ' })).toBe(true);
    expect(matchesFilter(view(), { ...any, search: 'harbour_at' })).toBe(true);
    expect(matchesFilter(view(), { ...any, search: 'logo' })).toBe(false);
    // The user and image id in the key are not part of the name.
    expect(matchesFilter(view(), { ...any, search: 'u1' })).toBe(false);
  });

  it('filters by status and by the original’s format, all conditions together', () => {
    expect(matchesFilter(view(), { ...any, status: 'failed' })).toBe(false);
    expect(matchesFilter(view({ status: 'failed' }), { ...any, status: 'failed' })).toBe(true);
    expect(matchesFilter(view(), { ...any, format: 'png' })).toBe(false);
    expect(matchesFilter(view({ format: 'png' }), { search: 'harb', status: 'processed', format: 'png' })).toBe(true);
    expect(matchesFilter(view({ format: undefined }), { ...any, format: 'jpeg' })).toBe(false);
  });
});

describe('the filters in the URL', () => {
  it('round-trips a filter through the fragment, and is #/ without one', () => {
    const filter: GalleryFilter = { search: 'harbour & co', status: 'failed', format: 'heif' };
    expect(galleryHash(filter)).toBe('#/?q=harbour+%26+co&status=failed&format=heif');
    expect(galleryFilterFromHash(galleryHash(filter))).toEqual(filter);
    expect(galleryHash(any)).toBe('#/');
    expect(galleryFilterFromHash('#/')).toEqual(any);
    expect(galleryHash({ ...any, search: '   ' })).toBe('#/');
  });

  it('ignores values the gallery does not offer and cuts an overlong search to the API’s most', () => {
    expect(galleryFilterFromHash('#/?status=deleted&format=exe&q=a')).toEqual({ ...any, search: 'a' });
    expect(galleryFilterFromHash(`#/?q=${'📷'.repeat(MAX_NAME_QUERY_LENGTH + 5)}`).search).toBe('📷'.repeat(MAX_NAME_QUERY_LENGTH));
  });

  it('asks the list API for only what is filtered', () => {
    expect(toListFilter(any)).toEqual({});
    expect(toListFilter({ search: ' harb ', status: 'processing', format: 'png' })).toEqual({ q: ' harb ', status: 'processing', format: 'png' });
  });
});

describe('countText', () => {
  it('gives the server’s total, and the matches under a filter', () => {
    expect(countText(42, false)).toBe('42 images');
    expect(countText(1, false)).toBe('1 image');
    expect(countText(1234, true)).toBe('1,234 images match');
    expect(countText(1, true)).toBe('1 image matches');
    expect(countText(0, true)).toBe('0 images match');
  });
});

describe('formatLabel', () => {
  it('names formats as the pipeline does, and an unknown one as it is', () => {
    expect(formatLabel('heif')).toBe('HEIC/HEIF');
    expect(formatLabel('webp')).toBe('WebP');
    expect(formatLabel('jxl')).toBe('JXL');
  });
});
