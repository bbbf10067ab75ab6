import { compress, DEFAULT_RENDITION_SET, processImage, renditions } from '@imgpipe/image-ops';
import type { Job, Profile } from '../scenario';

/** The seed reference's WebP quality; effort comes from the profile unless a job overrides it. */
const WEBP_QUALITY = 80;

/** What one job made: total bytes and file count. */
export interface JobOutput {
  readonly outBytes: number;
  readonly outputs: number;
}

const sum = (items: readonly { size: number }[]): JobOutput => ({
  outBytes: items.reduce((total, item) => total + item.size, 0),
  outputs: items.length,
});

/**
 * Runs one job through image-ops, the way the services call it: `compress` for the WebP
 * alone, `renditions` with the default set alone, `processImage` (one decode for every
 * output) for the full job. WebP is the only full-size format, as in the seed.
 */
export async function runSharpJob(bytes: Uint8Array, job: Job, profile: Profile): Promise<JobOutput> {
  switch (job.op) {
    case 'webp': {
      const webp = job.effort === undefined ? undefined : { quality: WEBP_QUALITY, effort: job.effort };
      const result = await compress(bytes, { profile, formats: ['webp'], ...(webp ? { webp } : {}) });
      return sum(result.variants);
    }
    case 'renditions': {
      const result = await renditions(bytes, DEFAULT_RENDITION_SET);
      return sum(result.renditions);
    }
    case 'full': {
      const result = await processImage(bytes, {
        compress: { profile, formats: ['webp'] },
        renditionSet: DEFAULT_RENDITION_SET,
      });
      return sum([...result.variants, ...result.renditions]);
    }
  }
}
