import {
  createEntry,
  declaredContentType,
  isSettled,
  phaseForStatus,
  phaseText,
  progressPercent,
  summarize,
  uploadHints,
  type UploadEntry,
} from './upload-model';

const entry = (overrides: Partial<UploadEntry> = {}): UploadEntry => ({
  id: 1,
  name: 'a.jpg',
  size: 1000,
  contentType: 'image/jpeg',
  phase: 'queued',
  loaded: 0,
  hints: [],
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

describe('uploadHints', () => {
  it('has none for an ordinary photo', () => {
    expect(uploadHints({ size: 3_000_000 }, 'image/jpeg')).toEqual([]);
  });

  it('hints at an empty file, an unusual type and a large file', () => {
    expect(uploadHints({ size: 0 }, 'image/jpeg')).toEqual(['The file is empty.']);
    expect(uploadHints({ size: 10 }, 'image/svg+xml')).toEqual(['image/svg+xml is not a format the pipeline usually accepts.']);
    expect(uploadHints({ size: 10 }, 'application/octet-stream')[0]).toMatch(/unknown/);
    expect(uploadHints({ size: 30 * 1024 * 1024 }, 'image/png')[0]).toMatch(/larger than/);
  });
});

describe('createEntry', () => {
  it('starts queued with the declared type and hints', () => {
    expect(createEntry(7, { name: 'x.heic', size: 5, type: '' })).toEqual({
      id: 7,
      name: 'x.heic',
      size: 5,
      contentType: 'image/heic',
      phase: 'queued',
      loaded: 0,
      hints: [],
    });
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
    expect(summarize([])).toBe('');
  });
});
