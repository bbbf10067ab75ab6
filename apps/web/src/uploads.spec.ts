/**
 * @jest-environment jsdom
 */
// The upload panel's held change: a live update that arrives while the upload's bytes are
// still going up waits for the storage's answer, and stands in for the read that would
// otherwise follow it. Driven through the real panel in jsdom; the API and the storage POST
// are faked at the panel's boundary (`deps.api`, and `postToStorage`, which uploads.ts
// imports directly: mocked here, its StorageError kept real).
import type { ApiClient, ImageDetails, ImageView, UploadGrant, UploadRequest } from './api';
import { imageHref } from './router';
import { postToStorage, StorageError } from './storage-upload';
import { createUploads, type Uploads } from './uploads';

jest.mock('./storage-upload', () => ({
  ...jest.requireActual<typeof import('./storage-upload')>('./storage-upload'),
  postToStorage: jest.fn(),
}));

const CARD = 'thumbnails/u-1/img-A/v1/card.jpg';

const grant = (imageId: string): UploadGrant => ({
  imageId,
  key: `uploads/u-1/${imageId}/photo.jpg`,
  url: 'https://storage.example/bucket',
  fields: { key: `uploads/u-1/${imageId}/photo.jpg` },
  expiresAt: '2026-12-06T01:00:00.000Z',
});

const record = (imageId: string, status: ImageView['status'], extra: Partial<ImageView> = {}): ImageView => ({
  imageId,
  userId: 'u-1',
  uploadedAt: '2026-12-06T00:00:00.000Z',
  status,
  ...extra,
});

const details = (imageId: string, image: ImageView | null): ImageDetails => ({
  imageId,
  image,
  history: [{ sequence: 1, eventId: 'e1', detailType: 'ImageUploaded', source: 'imgpipe.ingest', occurredAt: '2026-12-06T00:00:00.000Z', data: {} }],
});

const notUsed = (): Promise<never> => Promise.reject(new Error('not called by the upload panel'));

/** The API as the panel uses it: grants in the order given, and the CDN's URLs. */
function fakeApi(...grants: UploadGrant[]): ApiClient & { createUpload: jest.Mock<Promise<UploadGrant>, [UploadRequest]> } {
  const createUpload = jest.fn<Promise<UploadGrant>, [UploadRequest]>();
  for (const next of grants) createUpload.mockResolvedValueOnce(next);
  return {
    createUpload,
    listImages: notUsed,
    getImage: notUsed,
    getOriginal: notUsed,
    deleteImage: notUsed,
    restoreImage: notUsed,
    objectUrl: (key) => `https://cdn.example/${key}`,
  };
}

/** The storage: each POST waits until the test answers it (stored, or refused). */
const transfers: Array<{ stored: () => void; refused: (error: Error) => void }> = [];
const post = jest.mocked(postToStorage);

/** Lets the queue, the fake API and the panel's awaits run to their next wait. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const photo = () => new File([new Uint8Array(2048)], 'photo.jpg', { type: 'image/jpeg' });

describe('the upload panel keeps a change that arrives while the bytes go up', () => {
  let uploads: Uploads;
  let refresh: jest.Mock<void, [string]>;

  function start(api: ApiClient): void {
    refresh = jest.fn<void, [string]>();
    uploads = createUploads({ api, refresh });
    document.body.append(uploads.element);
    uploads.addFiles([photo()]);
  }

  const row = (): HTMLLIElement => {
    const rows = uploads.element.querySelectorAll<HTMLLIElement>('li.upload');
    expect(rows).toHaveLength(1);
    return rows[0] as HTMLLIElement;
  };
  const statusText = () => row().querySelector('.upload-status')?.textContent;
  const button = (label: string): HTMLButtonElement | undefined =>
    [...row().querySelectorAll('button')].find((candidate) => candidate.textContent?.startsWith(label));

  beforeEach(() => {
    transfers.length = 0;
    post.mockReset();
    post.mockImplementation(() => new Promise<void>((stored, refused) => transfers.push({ stored, refused })));
  });

  afterEach(() => {
    uploads.dispose();
    uploads.element.remove();
  });

  it.each([
    ['processed', 'Processed'],
    ['processing', 'Processing'],
  ] as const)('applies a change held during the upload (%s) once stored, and reads nothing', async (status, shown) => {
    start(fakeApi(grant('img-A')));
    await settle();
    expect(row().dataset['phase']).toBe('uploading');

    uploads.applyDetails(details('img-A', record('img-A', status, { thumbnails: { card: CARD } })));
    await settle();
    // Held, not shown: the upload's own outcome decides first.
    expect(row().dataset['phase']).toBe('uploading');
    expect(statusText()).toMatch(/^Uploading/);

    transfers[0]?.stored();
    await settle();

    expect(row().dataset['phase']).toBe(status);
    expect(statusText()).toBe(shown);
    expect(row().querySelector('img.upload-thumb')?.getAttribute('src')).toBe(`https://cdn.example/${CARD}`);
    expect(row().querySelector('a')?.getAttribute('href')).toBe(imageHref('img-A'));
    // A processed row folds into the summary line.
    expect(row().hidden).toBe(status === 'processed');
    expect(refresh).not.toHaveBeenCalled();
  });

  /** The row says it is stored and waiting, and the page read the image once: nothing was held. */
  function expectStoredAndReadOnce(imageId: string): void {
    expect(row().dataset['phase']).toBe('uploaded');
    expect(statusText()).toBe('Uploaded; waiting for the pipeline');
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith(imageId);
  }

  it('reads the image once when nothing came while the bytes went up', async () => {
    const api = fakeApi(grant('img-A'));
    start(api);
    await settle();
    expect(api.createUpload).toHaveBeenCalledWith({ filename: 'photo.jpg', contentType: 'image/jpeg', bytes: 2048 });

    transfers[0]?.stored();
    await settle();

    expectStoredAndReadOnce('img-A');
  });

  it('does not hold a change without the record (history only): the stored upload is read', async () => {
    start(fakeApi(grant('img-A')));
    await settle();

    uploads.applyDetails(details('img-A', null));
    transfers[0]?.stored();
    await settle();

    expectStoredAndReadOnce('img-A');
  });

  it('reads the retried upload when stored, although the failed attempt before it held a change (for the image that attempt was granted: a4509dd)', async () => {
    const api = fakeApi(grant('img-A'), grant('img-B'));
    start(api);
    await settle();
    uploads.applyDetails(details('img-A', record('img-A', 'processing', { thumbnails: { card: CARD } })));
    transfers[0]?.refused(new StorageError({ status: 0, code: 'NETWORK', message: 'The storage service could not be reached.' }));
    await settle();
    expect(row().dataset['phase']).toBe('failed');
    expect(statusText()).toBe('Failed: The storage service could not be reached.');

    button('Retry')?.click();
    await settle();
    expect(api.createUpload).toHaveBeenCalledTimes(2);
    expect(row().dataset['phase']).toBe('uploading');
    transfers[1]?.stored();
    await settle();

    expect(row().dataset['phase']).toBe('uploaded');
    expect(statusText()).toBe('Uploaded; waiting for the pipeline');
    expect(row().querySelector('img.upload-thumb')).toBeNull();
    expect(row().querySelector('a')?.getAttribute('href')).toBe(imageHref('img-B'));
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith('img-B');
  });
});
