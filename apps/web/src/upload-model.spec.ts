import { UPLOAD_REFUSALS, DEFAULT_INPUT_FORMATS } from '@imgpipe/contracts/vocabulary';
import { ApiError } from './api';
import {
  canCancel,
  canRetry,
  createEntry,
  grantErrorText,
  declaredContentType,
  isSettled,
  phaseForStatus,
  phaseText,
  progressPercent,
  preflightRefusal,
  summarize,
  type UploadEntry,
} from './upload-model';

const entry = (overrides: Partial<UploadEntry> = {}): UploadEntry => ({
  id: 1,
  name: 'a.jpg',
  size: 1000,
  contentType: 'image/jpeg',
  phase: 'queued',
  loaded: 0,
  ...overrides,
});

describe('declaredContentType', () => {
  it('takes the browser type, lower case, with aliases normalised', () => {
    expect(declaredContentType('a.jpg', 'IMAGE/PNG')).toBe('image/png');
    expect(declaredContentType('a.jpg', 'image/jpg')).toBe('image/jpeg');
  });

  it('guesses from the extension when the browser gives none (HEIC on many systems)', () => {
    expect(declaredContentType('IMG_0001.HEIC', '')).toBe('image/heic');
    expect(declaredContentType('scan.tif', '')).toBe('image/tiff');
  });

  it('declares octet-stream for an unknown file, for the server to refuse in its words', () => {
    expect(declaredContentType('notes', '')).toBe('application/octet-stream');
  });
});

// Issue 11: the row knows why the pipeline would refuse a file, so it says so before asking
// for a grant, in the pipeline's words, instead of the API's validation text.
describe('preflightRefusal', () => {
  it('has none for an ordinary photo', () => {
    expect(preflightRefusal({ size: 3_000_000 }, 'image/jpeg')).toBeUndefined();
  });

  it('refuses an empty file, a large file, an SVG and an unknown type with the pipeline’s code and words', () => {
    expect(preflightRefusal({ size: 0 }, 'image/jpeg')).toEqual({ code: 'EMPTY', message: 'The file is empty.' });
    expect(preflightRefusal({ size: 30 * 1024 * 1024 }, 'image/png')).toEqual({
      code: 'TOO_LARGE',
      message: 'The file is 30.0 MiB; the limit is 25.0 MiB.',
    });
    expect(preflightRefusal({ size: 10 }, 'image/svg+xml')).toEqual({
      code: 'UNSUPPORTED_FORMAT',
      message: UPLOAD_REFUSALS.notAccepted('svg', DEFAULT_INPUT_FORMATS),
    });
    expect(preflightRefusal({ size: 10 }, 'application/octet-stream')?.message).toMatch(/^The file is not an image in a recognised format; accepted formats: JPEG, /);
  });
});

describe('grantErrorText', () => {
  it('never shows the API’s validation text for the fields the pipeline has words for', () => {
    const invalid = (fields: string[]) => new ApiError({ status: 400, code: 'INVALID_REQUEST', message: 'bytes: must be at least 1', fields });
    expect(grantErrorText(invalid(['bytes']))).toBe('The file is empty. (EMPTY)');
    expect(grantErrorText(invalid(['contentType']))).not.toMatch(/must be one of/);
    expect(grantErrorText(new ApiError({ status: 413, code: 'TOO_LARGE', message: 'bytes: 9 is over the upload limit of 8 bytes' }))).not.toMatch(/bytes:/);
    expect(grantErrorText(new ApiError({ status: 0, code: 'NETWORK', message: 'The server could not be reached.' }))).toBe('The server could not be reached.');
  });
});

describe('canCancel and canRetry', () => {
  it('cancels until the bytes are stored, retries what failed on the way or was cancelled', () => {
    expect(['queued', 'requesting', 'uploading'].every((phase) => canCancel(entry({ phase: phase as UploadEntry['phase'] })))).toBe(true);
    expect(canCancel(entry({ phase: 'uploaded' }))).toBe(false);
    expect(canRetry(entry({ phase: 'failed', failedAt: 'upload' }))).toBe(true);
    expect(canRetry(entry({ phase: 'cancelled' }))).toBe(true);
    expect(canRetry(entry({ phase: 'failed', failedAt: 'refused' }))).toBe(false);
    expect(canRetry(entry({ phase: 'failed', failedAt: 'pipeline' }))).toBe(false);
  });
});

describe('createEntry', () => {
  it('starts queued with the declared type', () => {
    expect(createEntry(7, { name: 'x.heic', size: 5, type: '' })).toEqual({
      id: 7,
      name: 'x.heic',
      size: 5,
      contentType: 'image/heic',
      phase: 'queued',
      loaded: 0,
    });
  });

  it('starts failed, never sent, when the pipeline would refuse the file', () => {
    const empty = createEntry(8, { name: 'empty.jpg', size: 0, type: 'image/jpeg' });
    expect(empty).toMatchObject({ phase: 'failed', failedAt: 'refused', error: 'The file is empty. (EMPTY)' });
    expect(phaseText(empty)).toBe('Not uploaded: The file is empty. (EMPTY)');
  });
});

describe('progressPercent', () => {
  it('follows the bytes while uploading, is 0 before and 100 after', () => {
    expect(progressPercent(entry({ phase: 'requesting', loaded: 0 }))).toBe(0);
    expect(progressPercent(entry({ phase: 'uploading', loaded: 333 }))).toBe(33);
    expect(progressPercent(entry({ phase: 'uploading', loaded: 5000 }))).toBe(100);
    expect(progressPercent(entry({ phase: 'processed', loaded: 0 }))).toBe(100);
  });

  it('keeps the bar where an upload failed', () => {
    expect(progressPercent(entry({ phase: 'failed', loaded: 500 }))).toBe(50);
  });

  it('is 0 for an empty file while uploading', () => {
    expect(progressPercent(entry({ phase: 'uploading', size: 0 }))).toBe(0);
  });
});

describe('phaseText', () => {
  it('says each phase, with the reason of a failure', () => {
    expect(phaseText(entry({ phase: 'uploading', loaded: 500 }))).toBe('Uploading, 50%');
    expect(phaseText(entry({ phase: 'failed', error: 'The file is not an image (CORRUPT)' }))).toBe('Failed: The file is not an image (CORRUPT)');
    expect(phaseText(entry({ phase: 'failed' }))).toBe('Failed: no reason given');
  });
});

describe('phaseForStatus and isSettled', () => {
  it('maps the read model status, a deleted image counting as failed', () => {
    expect(phaseForStatus('processing')).toBe('processing');
    expect(phaseForStatus('processed')).toBe('processed');
    expect(phaseForStatus('deleted')).toBe('failed');
    expect(isSettled({ phase: 'processed' })).toBe(true);
    expect(isSettled({ phase: 'uploaded' })).toBe(false);
  });
});

describe('summarize', () => {
  it('counts processed, failed and in progress', () => {
    const entries = [entry({ phase: 'processed' }), entry({ phase: 'failed' }), entry({ phase: 'uploading' }), entry({ phase: 'queued' })];
    expect(summarize(entries)).toBe('1 of 4 processed, 1 failed, 2 in progress');
    expect(summarize([entry({ phase: 'processed' })])).toBe('1 of 1 processed');
    expect(summarize([entry({ phase: 'processed' }), entry({ phase: 'cancelled' })])).toBe('1 of 2 processed, 1 cancelled');
    expect(summarize([])).toBe('');
  });
});
