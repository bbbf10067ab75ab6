import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FoundationResources, InfraConfig } from '@imgpipe/infra-shared';
import { CompressService, type CompressSettings } from './compress.construct';

export interface CompressStackProps extends StackProps {
  readonly config: InfraConfig;
  readonly foundation: Pick<FoundationResources, 'buckets' | 'tables' | 'eventBus' | 'deadLetterQueues'>;
  readonly settings?: CompressSettings;
}

/** The compress service (the `Compress` task and the AVIF step after it), deployable on its own (`cdk deploy <Compress> --exclusively`). */
export class CompressStack extends Stack {
  readonly service: CompressService;

  constructor(scope: Construct, id: string, props: CompressStackProps) {
    super(scope, id, props);
    const { originals, processed } = props.foundation.buckets;
    this.service = new CompressService(this, 'Compress', {
      ...props.settings,
      config: props.config,
      originals,
      processed,
      eventsTable: props.foundation.tables.imageEvents,
      eventBus: props.foundation.eventBus,
      asyncInvokeFailures: props.foundation.deadLetterQueues.asyncInvokes,
    });
  }
}
