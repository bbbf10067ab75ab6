import { UPLOAD_CONTENT_TYPES } from '@imgpipe/contracts';
import type { InputPolicy } from '@imgpipe/image-ops/checks';

/**
 * The content types an upload may declare under `policy`, lower case: the contracts'
 * `UPLOAD_CONTENT_TYPES` of the formats the policy accepts (SVG is not, by default). The presigned POST binds the one declared exactly.
 *
 * @example
 * acceptedContentTypes(resolveInputPolicy({ formats: ['jpeg', 'png'] })); // ['image/jpeg', 'image/png']
 */
export function acceptedContentTypes(policy: Pick<InputPolicy, 'formats'>): string[] {
  const types = policy.formats.flatMap((format) => UPLOAD_CONTENT_TYPES[format]);
  return [...new Set(types)];
}
