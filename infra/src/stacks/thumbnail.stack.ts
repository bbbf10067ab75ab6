import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { InfraConfig } from '../config';
import { ThumbnailService, type ThumbnailSettings } from '../constructs/thumbnail.construct';
import type { FoundationResources } from './foundation.stack';

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
