import { lambdaEntry } from '@imgpipe/platform';
import { loadIngestConfig } from '../config';
import { awsIngestPorts, createIngestHandlers } from '../ingest.composition';

/** `onObjectCreated` on AWS: checks the upload (`on-object-created.adapter.ts`); built on the first invocation. */
export const handler = lambdaEntry(loadIngestConfig, awsIngestPorts, (ports, config) => createIngestHandlers(ports, config).onObjectCreated);
