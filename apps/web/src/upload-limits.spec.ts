import { DEFAULT_MAX_UPLOAD_BYTES as CONTRACTS_MAX, DEFAULT_UPLOAD_CONTENT_TYPES } from '@imgpipe/contracts/vocabulary';
import { checkUploadHead } from '@imgpipe/image-ops/checks';
import { ACCEPTED_CONTENT_TYPES, DEFAULT_MAX_UPLOAD_BYTES, preflightRefusal } from './upload-model';

// The UI's hints speak the pipeline's own limits: the contracts' lists, never literals of its own.
describe('the upload limits the UI shows', () => {
  it('are the contracts values', () => {
    expect(ACCEPTED_CONTENT_TYPES).toBe(DEFAULT_UPLOAD_CONTENT_TYPES);
    expect(DEFAULT_MAX_UPLOAD_BYTES).toBe(CONTRACTS_MAX);
  });

  it('refuse nothing of an accepted type at the limit, and refuse just over it', () => {
    for (const type of DEFAULT_UPLOAD_CONTENT_TYPES) expect(preflightRefusal({ size: CONTRACTS_MAX }, type)).toBeUndefined();
    expect(preflightRefusal({ size: CONTRACTS_MAX + 1 }, 'image/jpeg')?.code).toBe('TOO_LARGE');
    expect(preflightRefusal({ size: 1 }, 'image/svg+xml')?.code).toBe('UNSUPPORTED_FORMAT');
  });

  it('are the words the pipeline refuses the stored bytes with', () => {
    // image-ops' input policy (the pipeline's verdict) throws the same sentences.
    const verdict = (size: number, head: Uint8Array) => {
      try {
        checkUploadHead(head, size);
        return undefined;
      } catch (error) {
        return { code: (error as { code: string }).code, message: (error as Error).message };
      }
    };
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
    expect(verdict(0, new Uint8Array())).toEqual(preflightRefusal({ size: 0 }, 'image/jpeg'));
    expect(verdict(CONTRACTS_MAX + 1, svg)).toEqual(preflightRefusal({ size: CONTRACTS_MAX + 1 }, 'image/jpeg'));
    expect(verdict(svg.length, svg)).toEqual(preflightRefusal({ size: svg.length }, 'image/svg+xml'));
  });
});
