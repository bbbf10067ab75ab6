import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  clientConfig,
  createAwsClients,
  DynamoImageEventStore,
  instrumentHandler,
  SnsNotifier,
  tracer,
  type AwsClients,
  type InstrumentedHandler,
} from '@imgpipe/platform';
import type { NotifyConfig } from './config';
import { deliverOncePerEvent } from './deliver-once';
import { createNotifyBatchHandler, type NotifyUseCase } from './handlers/notify-batch.adapter';
import { createNotifyUseCase, type NotifyDependencies } from './notify.use-case';
import { HttpWebhookSender } from './webhook/http-webhook-sender';
import type { WebhookRegistration } from './webhook/registrations';
import { secretWebhooks, staticWebhooks, type WebhookSource } from './webhook/webhook-source';

/** The ports notify stands on; the webhook sender and its policy come from the config. */
export interface NotifyPorts extends Pick<NotifyDependencies, 'notifier' | 'once' | 'histories' | 'clock'> {
  /** Where each invocation finds the webhook list (`WEBHOOKS` or the `WEBHOOKS_SECRET_ARN` secret). */
  readonly webhooks: WebhookSource;
}

/**
 * The AWS adapters for `config`: SNS, Powertools idempotency in DynamoDB, the event store
 * (when `EVENTS_TABLE` is set) and the webhook list (the secret through Powertools
 * Parameters, or `WEBHOOKS`). The local runtime passes its own `clients` and notifier.
 */
export function awsNotifyPorts(
  config: NotifyConfig,
  clients: Pick<AwsClients, 'sns' | 'dynamodb' | 'documents'> = createAwsClients(config.aws, { tracer }),
): NotifyPorts {
  return {
    notifier: new SnsNotifier(clients.sns, config.topicArn),
    once: deliverOncePerEvent({ tableName: config.idempotencyTable, client: clients.dynamodb }),
    ...(config.eventsTable ? { histories: new DynamoImageEventStore(clients.documents, config.eventsTable) } : {}),
    webhooks: config.webhooksSecret
      ? secretWebhooks({
          secretArn: config.webhooksSecret.arn,
          maxAgeSeconds: config.webhooksSecret.maxAgeSeconds,
          policy: config.webhookPolicy,
          provider: new SecretsProvider({
            awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient(clientConfig(config.aws))),
          }),
        })
      : staticWebhooks(config.webhooks),
  };
}

/**
 * The notify service's composition root: the SQS batch handler (SNS topic and signed
 * webhooks, once per event and target) with Powertools applied. The use case is rebuilt
 * only when the webhook list changes (a rotated secret). The Lambda entry file and the
 * local runtime both call this.
 */
export function createNotifyHandler(ports: NotifyPorts, config: NotifyConfig): InstrumentedHandler<SQSEvent, SQSBatchResponse> {
  const webhookSender = new HttpWebhookSender({
    ...config.webhookPolicy,
    timeoutMs: config.webhookTimeoutMs,
    maxResponseBytes: config.webhookMaxResponseBytes,
  });
  const { webhooks: source, ...deps } = ports;
  let current: { readonly webhooks: readonly WebhookRegistration[]; readonly notify: NotifyUseCase } | undefined;
  const useCase = async (): Promise<NotifyUseCase> => {
    const webhooks = await source();
    if (current?.webhooks !== webhooks) current = { webhooks, notify: createNotifyUseCase({ ...deps, webhookSender, webhooks }) };
    return current.notify;
  };
  return instrumentHandler(createNotifyBatchHandler(useCase), { name: 'notify' });
}
