import { lambdaEntry } from '@imgpipe/platform';
import { awsCompressPorts, createCompressHandler } from '../compress.composition';
import { loadCompressConfig } from '../config';

/** State machine task `Compress` on the AWS adapters; built on the first invocation. */
export const handler = lambdaEntry(loadCompressConfig, awsCompressPorts, createCompressHandler);
