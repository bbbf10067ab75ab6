import { lambdaEntry } from '@imgpipe/platform';
import { loadIngestConfig } from '../config';
import { awsIngestPorts, createIngestHandlers } from '../ingest.composition';

/** `POST /uploads`, `GET /images`, `GET /images/{id}`, `DELETE /images/{id}`, `POST /images/{id}/restore` on AWS. */
export const handler = lambdaEntry(loadIngestConfig, awsIngestPorts, (ports, config) => createIngestHandlers(ports, config).httpApi);
