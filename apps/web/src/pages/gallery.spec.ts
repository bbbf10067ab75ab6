import type { ImageView } from '../api';
import { countText, formatLabel, matchesFilter, type GalleryFilter } from './gallery';

const view = (overrides: Partial<ImageView> = {}): ImageView => ({
  imageId: 'img1',
  userId: 'u1',
  uploadedAt: '2026-12-05T10:00:00.000Z',
  status: 'processed',
  originalKey: 'uploads/u1/img1/Harbour at Dusk.jpg',
  format: 'jpeg',
  ...overrides,
});
const any: GalleryFilter = { search: '', status: '', format: '' };

describe('matchesFilter', () => {
  it('lets everything through without a filter', () => {
    expect(matchesFilter(view(), any)).toBe(true);
  });

  it('searches the file name in any case, ignoring surrounding spaces', () => {
    expect(matchesFilter(view(), { ...any, search: ' harbour AT ' })).toBe(true);
    expect(matchesFilter(view(), { ...any, search: 'logo' })).toBe(false);
  });

  it('filters by status and by the original’s format, all conditions together', () => {
    expect(matchesFilter(view(), { ...any, status: 'failed' })).toBe(false);
    expect(matchesFilter(view({ status: 'failed' }), { ...any, status: 'failed' })).toBe(true);
    expect(matchesFilter(view(), { ...any, format: 'png' })).toBe(false);
    expect(matchesFilter(view({ format: 'png' }), { search: 'harb', status: 'processed', format: 'png' })).toBe(true);
    expect(matchesFilter(view({ format: undefined }), { ...any, format: 'jpeg' })).toBe(false);
  });
});

describe('countText', () => {
  it('gives the total, the matches under a filter, and says when it is still counting', () => {
    expect(countText(42, 42, false, true)).toBe('42 images');
    expect(countText(1, 1, false, true)).toBe('1 image');
    expect(countText(3, 1234, true, true)).toBe('3 of 1,234 images match');
    expect(countText(100, 100, false, false)).toBe('100 images so far; counting…');
  });
});

describe('formatLabel', () => {
  it('names formats as the pipeline does, and an unknown one as it is', () => {
    expect(formatLabel('heif')).toBe('HEIC/HEIF');
    expect(formatLabel('webp')).toBe('WebP');
    expect(formatLabel('jxl')).toBe('JXL');
  });
});
