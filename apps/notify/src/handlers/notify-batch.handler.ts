import { lambdaEntry } from '@imgpipe/platform';
import { loadNotifyConfig } from '../config';
import { awsNotifyPorts, createNotifyHandler } from '../notify.composition';

/** notify's SQS consumer on the AWS adapters (`notify-batch.adapter.ts`); built on the first invocation. */
export const handler = lambdaEntry(loadNotifyConfig, awsNotifyPorts, createNotifyHandler);
