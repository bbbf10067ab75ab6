import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { FoundationResources, InfraConfig } from '@imgpipe/infra-shared';
import { Pipeline, type PipelineTaskFunctions } from '../constructs/pipeline.construct';

export interface PipelineStackProps extends StackProps {
  readonly config: InfraConfig;
  readonly foundation: Pick<FoundationResources, 'buckets' | 'eventBus' | 'deadLetterQueues'>;
  readonly tasks: PipelineTaskFunctions;
  readonly notifyQueue: IQueue;
  readonly onObjectCreated: IFunction;
  readonly onPipelineEvent: IFunction;
  /** Compress's AVIF step (target of the rule `image-processed-to-avif`). */
  readonly addAvifVariant: IFunction;
}

/**
 * The state machine and the event rules (`libs/workflow`), deployable on their own: a change
 * in `libs/workflow` redeploys this stack and no service.
 */
export class PipelineStack extends Stack {
  readonly pipeline: Pipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { buckets, eventBus, deadLetterQueues } = props.foundation;
    this.pipeline = new Pipeline(this, 'Pipeline', {
      tasks: props.tasks,
      eventBus,
      originals: buckets.originals,
      notifyQueue: props.notifyQueue,
      onObjectCreated: props.onObjectCreated,
      onPipelineEvent: props.onPipelineEvent,
      addAvifVariant: props.addAvifVariant,
      deadLetterQueue: deadLetterQueues.ruleTargets,
      logRetention: props.config.logRetention,
      logs: props.config.stateMachineLogs,
    });
  }
}
