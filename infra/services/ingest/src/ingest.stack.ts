import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FoundationResources, InfraConfig } from '@imgpipe/infra-shared';
import { IngestService, type IngestSettings } from './ingest.construct';

export interface IngestStackProps extends StackProps {
  readonly config: InfraConfig;
  readonly foundation: Pick<FoundationResources, 'buckets' | 'tables' | 'eventBus'>;
  readonly settings?: IngestSettings;
}

/** The ingest service (upload API handler and upload validator), deployable on its own. */
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
    });
  }
}
