import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FoundationResources, InfraConfig } from '@imgpipe/infra-shared';
import { ThumbnailService, type ThumbnailSettings } from './thumbnail.construct';

export interface ThumbnailStackProps extends StackProps {
  readonly config: InfraConfig;
  readonly foundation: Pick<FoundationResources, 'buckets'>;
  readonly settings?: ThumbnailSettings;
}

/** The thumbnail service, deployable on its own (`cdk deploy <Thumbnail> --exclusively`). */
export class ThumbnailStack extends Stack {
  readonly service: ThumbnailService;

  constructor(scope: Construct, id: string, props: ThumbnailStackProps) {
    super(scope, id, props);
    const { originals, processed } = props.foundation.buckets;
    this.service = new ThumbnailService(this, 'Thumbnail', {
      ...props.settings,
      config: props.config,
      originals,
      processed,
    });
  }
}
