import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import type { FoundationResources, InfraConfig } from '@imgpipe/infra-shared';
import { MetadataService, type MetadataSettings } from './metadata.construct';

export interface MetadataStackProps extends StackProps {
  readonly config: InfraConfig;
  readonly foundation: Pick<FoundationResources, 'tables' | 'eventBus' | 'buckets' | 'deadLetterQueues'>;
  readonly settings?: MetadataSettings;
  /** The CDN whose domain the delivery record's URLs carry and where replaced derivatives are invalidated. */
  readonly distribution?: IDistribution;
}

/** The metadata service (event store append, read-model projection, the scheduled purge), deployable on its own. */
export class MetadataStack extends Stack {
  readonly service: MetadataService;

  constructor(scope: Construct, id: string, props: MetadataStackProps) {
    super(scope, id, props);
    this.service = new MetadataService(this, 'Metadata', {
      ...props.settings,
      config: props.config,
      tables: props.foundation.tables,
      eventBus: props.foundation.eventBus,
      originals: props.foundation.buckets.originals,
      processed: props.foundation.buckets.processed,
      deadLetterQueue: props.foundation.deadLetterQueues.ruleTargets,
      asyncInvokeFailures: props.foundation.deadLetterQueues.asyncInvokes,
      ...(props.distribution ? { distribution: props.distribution } : {}),
    });
  }
}
