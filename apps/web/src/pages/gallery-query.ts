/**
 * What the gallery asks the list API for (`GET /images?status&format&q`: the server filters
 * and counts, see ingest's list-images use case), how the choice lives in the page's URL
 * (`#/?q=harbour&status=failed&format=png`, so a reload, a bookmark or Back keeps it), and
 * the one client-side check: whether a live update (an image that changed while the page was
 * open) belongs in the filtered listing shown.
 */
import { IMAGE_LIST_FORMATS, MAX_NAME_QUERY_LENGTH, nameSearchKey, type ImageListFilter, type ImageView } from '../api';
import { formatCount } from '../format';

/** The statuses the gallery filters by (a deleted image is not in the gallery). */
export const GALLERY_STATUS_FILTERS = ['processing', 'processed', 'failed'] as const;

/** The original formats the gallery filters by: every one the list API takes. */
export const GALLERY_FORMAT_FILTERS = IMAGE_LIST_FORMATS;

/** What the filters ask for; `''` is "any". */
export interface GalleryFilter {
  readonly search: string;
  readonly status: '' | (typeof GALLERY_STATUS_FILTERS)[number];
  readonly format: '' | (typeof GALLERY_FORMAT_FILTERS)[number];
}

export const NO_FILTER: GalleryFilter = { search: '', status: '', format: '' };

/** Whether anything is filtered. */
export function isFiltered(filter: GalleryFilter): boolean {
  return filter.search.trim() !== '' || filter.status !== '' || filter.format !== '';
}

/** The list API's parameters for `filter` (the search as typed: the client trims it). */
export function toListFilter(filter: GalleryFilter): ImageListFilter {
  return {
    ...(filter.status !== '' ? { status: filter.status } : {}),
    ...(filter.format !== '' ? { format: filter.format } : {}),
    ...(filter.search.trim() !== '' ? { q: filter.search } : {}),
  };
}

const isOneOf = <T extends string>(values: readonly T[], value: string | null): value is T => value !== null && (values as readonly string[]).includes(value);

/**
 * The filter a location fragment asks for (`#/?q=…&status=…&format=…`); a value the gallery
 * does not offer is ignored, a search is cut to the API's longest.
 *
 * @example galleryFilterFromHash('#/?q=harb&status=failed'); // { search: 'harb', status: 'failed', format: '' }
 */
export function galleryFilterFromHash(hash: string): GalleryFilter {
  const at = hash.indexOf('?');
  if (at < 0) return NO_FILTER;
  const params = new URLSearchParams(hash.slice(at + 1));
  const status = params.get('status');
  const format = params.get('format');
  return {
    search: Array.from(params.get('q') ?? '').slice(0, MAX_NAME_QUERY_LENGTH).join(''),
    status: isOneOf(GALLERY_STATUS_FILTERS, status) ? status : '',
    format: isOneOf(GALLERY_FORMAT_FILTERS, format) ? format : '',
  };
}

/**
 * The gallery's fragment for `filter`: `#/` without one.
 *
 * @example galleryHash({ search: 'harb', status: '', format: 'png' }); // '#/?q=harb&format=png'
 */
export function galleryHash(filter: GalleryFilter): string {
  const params = new URLSearchParams();
  if (filter.search.trim() !== '') params.set('q', filter.search.trim());
  if (filter.status !== '') params.set('status', filter.status);
  if (filter.format !== '') params.set('format', filter.format);
  const query = params.toString();
  return query === '' ? '#/' : `#/?${query}`;
}

/**
 * Whether an image belongs in the listing `filter` asks for, decided as the server decides
 * it (the name by the contracts' one `nameSearchKey`): for live updates only, the listing
 * itself is filtered by the server.
 *
 * @example matchesFilter(view, { search: 'harb', status: 'processed', format: '' });
 */
export function matchesFilter(image: Pick<ImageView, 'originalKey' | 'status' | 'format'>, filter: GalleryFilter): boolean {
  if (image.status === 'deleted') return false;
  const search = nameSearchKey(filter.search);
  if (search !== '') {
    const key = image.originalKey;
    const name = key === undefined ? undefined : key.slice(key.lastIndexOf('/') + 1);
    if (name === undefined || !nameSearchKey(name).includes(search)) return false;
  }
  if (filter.status !== '' && image.status !== filter.status) return false;
  if (filter.format !== '' && image.format !== filter.format) return false;
  return true;
}

/** The count line: `42 images`, or `3 images match` under a filter (the server's total). */
export function countText(total: number, filtered: boolean): string {
  const images = `${formatCount(total)} image${total === 1 ? '' : 's'}`;
  return filtered ? `${images} match${total === 1 ? 'es' : ''}` : images;
}
