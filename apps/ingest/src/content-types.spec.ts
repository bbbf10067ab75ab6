import { DEFAULT_UPLOAD_CONTENT_TYPES, UPLOAD_CONTENT_TYPES } from '@imgpipe/contracts';
import { DEFAULT_INPUT_POLICY, resolveInputPolicy } from '@imgpipe/image-ops/checks';
import { acceptedContentTypes } from './content-types';

describe('acceptedContentTypes', () => {
  it('under the default policy, is exactly what the web UI offers (the contracts list)', () => {
    expect(acceptedContentTypes(DEFAULT_INPUT_POLICY)).toEqual([...DEFAULT_UPLOAD_CONTENT_TYPES]);
  });

  it('offers both names of HEIC/HEIF, and SVG only when the policy allows it', () => {
    expect(acceptedContentTypes(resolveInputPolicy({ formats: ['heif'] }))).toEqual([...UPLOAD_CONTENT_TYPES.heif]);
    expect(acceptedContentTypes(resolveInputPolicy({ formats: ['svg', 'png'] }))).toEqual(['image/svg+xml', 'image/png']);
  });
});
