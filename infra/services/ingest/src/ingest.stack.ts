import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import type { FoundationResources, InfraConfig } from '@imgpipe/infra-shared';
import { IngestService, type IngestSettings } from './ingest.construct';

export interface IngestStackProps extends StackProps {
  readonly config: InfraConfig;
  readonly foundation: Pick<FoundationResources, 'buckets' | 'tables' | 'eventBus' | 'deadLetterQueues'>;
  readonly settings?: IngestSettings;
  /** The Delivery stack's CDN, whose cached paths of a deleted image are invalidated. */
  readonly distribution: IDistribution;
}

/**
 * The ingest service (upload API handler and upload validator), deployable on its own once
 * Foundation and Delivery are deployed (it reads their outputs).
 */
export class IngestStack extends Stack {
  readonly service: IngestService;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);
    const { buckets, tables, eventBus } = props.foundation;
    this.service = new IngestService(this, 'Ingest', {
      ...props.settings,
      config: props.config,
      originals: buckets.originals,
      processed: buckets.processed,
      tables,
      eventBus,
      distribution: props.distribution,
      asyncInvokeFailures: props.foundation.deadLetterQueues.asyncInvokes,
    });
  }
}
