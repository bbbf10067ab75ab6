import { lambdaEntry } from '@imgpipe/platform';
import { loadMetadataConfig } from '../config';
import { awsMetadataPorts, createMetadataHandlers } from '../metadata.composition';

/** State machine task `RecordThumbnails` (`record-thumbnails.adapter.ts`) on the AWS adapters; built on the first invocation. */
export const handler = lambdaEntry(loadMetadataConfig, awsMetadataPorts, (ports, config) => createMetadataHandlers(ports, config).recordThumbnails);
