import { lambdaEntry } from '@imgpipe/platform';
import { awsAvifPorts, createAvifHandler } from '../avif.composition';
import { loadAvifConfig } from '../avif.config';

/** Target of the rule `image-processed-to-avif` on the AWS adapters; built on the first invocation. */
export const handler = lambdaEntry(loadAvifConfig, awsAvifPorts, createAvifHandler);
