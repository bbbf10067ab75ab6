import { DEFAULT_MAX_UPLOAD_BYTES as CONTRACTS_MAX, DEFAULT_UPLOAD_CONTENT_TYPES } from '@imgpipe/contracts/vocabulary';
import { ACCEPTED_CONTENT_TYPES, DEFAULT_MAX_UPLOAD_BYTES, uploadHints } from './upload-model';

// The UI's hints speak the pipeline's own limits: the contracts' lists, never literals of its own.
describe('the upload limits the UI shows', () => {
  it('are the contracts values', () => {
    expect(ACCEPTED_CONTENT_TYPES).toBe(DEFAULT_UPLOAD_CONTENT_TYPES);
    expect(DEFAULT_MAX_UPLOAD_BYTES).toBe(CONTRACTS_MAX);
  });

  it('hint at nothing for an accepted type at the limit, and at the limit just over it', () => {
    for (const type of DEFAULT_UPLOAD_CONTENT_TYPES) expect(uploadHints({ size: CONTRACTS_MAX }, type)).toEqual([]);
    expect(uploadHints({ size: CONTRACTS_MAX + 1 }, 'image/jpeg')).toHaveLength(1);
    expect(uploadHints({ size: 1 }, 'image/svg+xml')).toHaveLength(1);
  });
});
