import { lambdaEntry } from '@imgpipe/platform';
import { loadThumbnailConfig } from '../config';
import { awsThumbnailPorts, createThumbnailHandler } from '../thumbnail.composition';

/** State machine task `Thumbnail` on the AWS adapters; built on the first invocation. */
export const handler = lambdaEntry(loadThumbnailConfig, awsThumbnailPorts, createThumbnailHandler);
