/**
 * notify: `ImageProcessed` / `ImageProcessingFailed` from SQS -> the SNS topic and signed
 * webhooks, once per event and target. Receivers verify deliveries with
 * {@link verifyWebhookSignature}.
 */
export * from './errors';
export * from './config';
export * from './notify.use-case';
export * from './deliver-once';
export * from './webhook/signature';
export * from './webhook/registrations';
export * from './webhook/address-policy';
export * from './webhook/webhook-url';
export * from './webhook/webhook-sender.port';
export * from './webhook/http-webhook-sender';
export type { NotifyUseCase } from './handlers/notify-batch.adapter';
export * from './notify.composition';
export * from './webhook/webhook-source';
