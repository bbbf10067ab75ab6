import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FoundationResources, InfraConfig } from '@imgpipe/infra-shared';
import { NotifyService, type NotifySettings } from './notify.construct';

export interface NotifyStackProps extends StackProps {
  readonly config: InfraConfig;
  readonly foundation: Pick<FoundationResources, 'tables' | 'eventBus' | 'notificationsTopic' | 'deadLetterQueues' | 'webhooksSecret'>;
  readonly settings?: NotifySettings;
}

/** The notify service (its queue and batch consumer), deployable on its own. */
export class NotifyStack extends Stack {
  readonly service: NotifyService;

  constructor(scope: Construct, id: string, props: NotifyStackProps) {
    super(scope, id, props);
    const { tables, eventBus, notificationsTopic, deadLetterQueues, webhooksSecret } = props.foundation;
    this.service = new NotifyService(this, 'Notify', {
      ...props.settings,
      config: props.config,
      topic: notificationsTopic,
      idempotencyTable: tables.idempotency,
      eventsTable: tables.imageEvents,
      deadLetterQueue: deadLetterQueues.notify,
      eventBus,
      webhooksSecret,
    });
  }
}
