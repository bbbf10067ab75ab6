/**
 * `@imgpipe/platform`: ports, their AWS adapters, Powertools set-up and config: production code
 * only. Fakes and the local peers are `@imgpipe/platform/testing`.
 */
export * from './errors';
export * from './ports/object-store.port';
export * from './object-keys';
export * from './task-error';
export * from './lambda/task-handler';
export * from './lambda/instrument';
export * from './ports/upload-signer.port';
export * from './ports/download-signer.port';
export * from './ports/image-event-store.port';
export * from './ports/image-read-model.port';
export * from './ports/event-publisher.port';
export * from './ports/notifier.port';
export * from './ports/clock.port';
export * from './ports/cdn-invalidator.port';
export * from './ports/id-generator.port';
export * from './ports/upload-grant-store.port';
export * from './ports/rate-limiter.port';
export * from './ids';
export * from './cursor';
export * from './tables';
export * from './config';
export * from './service-env';
export * from './powertools';
export * from './idempotency';
export * from './aws/clients';
export * from './aws/errors';
export * from './aws/s3-object-store.adapter';
export * from './aws/s3-presigned-post-signer.adapter';
export * from './aws/s3-download-signer.adapter';
export * from './aws/dynamo-image-event-store.adapter';
export * from './aws/dynamo-image-read-model.adapter';
export * from './aws/dynamo-upload-grant-store.adapter';
export * from './aws/dynamo-rate-limiter.adapter';
export * from './aws/eventbridge-publisher.adapter';
export * from './aws/sns-notifier.adapter';
export * from './aws/cloudfront-invalidator.adapter';
