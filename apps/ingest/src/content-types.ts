import type { InputFormat } from '@imgpipe/contracts';
import type { InputPolicy } from '@imgpipe/image-ops/checks';

/**
 * The `Content-Type`s an upload may declare for each input format (HEIC/HEIF has two names
 * in the wild). Only the formats the input policy accepts are offered; SVG is not, by default.
 */
const CONTENT_TYPES: Readonly<Record<InputFormat, readonly string[]>> = {
  jpeg: ['image/jpeg'],
  png: ['image/png'],
  webp: ['image/webp'],
  gif: ['image/gif'],
  avif: ['image/avif'],
  tiff: ['image/tiff'],
  heif: ['image/heic', 'image/heif'],
  svg: ['image/svg+xml'],
};

/**
 * The content types an upload may declare under `policy`, lower case: the MIME types of
 * the formats the policy accepts. The presigned POST binds the one declared exactly.
 *
 * @example
 * acceptedContentTypes(resolveInputPolicy({ formats: ['jpeg', 'png'] })); // ['image/jpeg', 'image/png']
 */
export function acceptedContentTypes(policy: Pick<InputPolicy, 'formats'>): string[] {
  const types = policy.formats.flatMap((format) => CONTENT_TYPES[format]);
  return [...new Set(types)];
}
