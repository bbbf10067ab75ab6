import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  CloudFrontInvalidator,
  createAwsClients,
  DynamoImageEventStore,
  DynamoImageReadModel,
  DynamoRateLimiter,
  DynamoUploadGrantStore,
  EventBridgePublisher,
  instrumentHandler,
  logger,
  noCdnInvalidator,
  recordRequestRateLimited,
  S3DownloadSigner,
  S3ObjectStore,
  S3PresignedPostSigner,
  systemClock,
  tracer,
  UuidV7Generator,
  type AwsClients,
  type InstrumentedHandler,
} from '@imgpipe/platform';
import type { CheckUploadOutcome } from './check-upload.use-case';
import type { IngestConfig } from './config';
import { createHttpApiHandler } from './handlers/http-api.adapter';
import { createObjectCreatedHandler, recordOutcome } from './handlers/on-object-created.adapter';
import type { HttpResponse } from './http/http-response';
import type { HttpApiEvent } from './http/request';
import { createRateLimitGuard, rateLimitedServices } from './rate-limit';
import { createIngestServices, type IngestPorts, type IngestServices } from './services';

/** The AWS adapters for `config`, on shared SDK clients (traced in Lambda); the local runtime passes its own. */
export function awsIngestPorts(config: IngestConfig, clients: AwsClients = createAwsClients(config.aws, { tracer })): IngestPorts {
  const clock = systemClock;
  return {
    signer: new S3PresignedPostSigner(clients.s3),
    downloads: new S3DownloadSigner(clients.s3),
    ids: new UuidV7Generator(clock),
    clock,
    store: new S3ObjectStore(clients.s3),
    publisher: new EventBridgePublisher(clients.eventBridge, config.eventBusName),
    readModel: new DynamoImageReadModel(clients.documents, config.imagesTable),
    eventStore: new DynamoImageEventStore(clients.documents, config.eventsTable),
    grants: new DynamoUploadGrantStore(clients.documents, config.grantsTable),
    cdn: config.cdnDistributionId ? new CloudFrontInvalidator(clients.cloudFront, config.cdnDistributionId) : noCdnInvalidator,
    ...(config.rateLimitsTable ? { rateLimiter: new DynamoRateLimiter(clients.documents, config.rateLimitsTable, clock) } : {}),
  };
}

/** Both ingest Lambda entry points, over one set of use cases. */
export interface IngestHandlers {
  readonly services: IngestServices;
  /** The upload API (API Gateway HTTP API v2 events). */
  readonly httpApi: InstrumentedHandler<HttpApiEvent, HttpResponse & APIGatewayProxyStructuredResultV2>;
  /** S3 "Object Created" events from the default bus: the upload check. */
  readonly onObjectCreated: InstrumentedHandler<unknown, CheckUploadOutcome>;
}

/**
 * The ingest service's composition root: its use cases over `ports` and `config`, and both
 * entry points as Lambda handlers with Powertools applied (`instrumentHandler`: an outcome's
 * metrics are flushed after every invocation). The Lambda entry files and the local runtime
 * both call this.
 */
export function createIngestHandlers(ports: IngestPorts, config: IngestConfig): IngestHandlers {
  const services = createIngestServices(config, ports);
  // The API's use cases spend their caller's budget first (per-user limits, docs/deploy.md).
  const apiServices = ports.rateLimiter
    ? rateLimitedServices(services, createRateLimitGuard({ limiter: ports.rateLimiter, limits: config.rateLimits }))
    : services;
  return {
    services,
    httpApi: instrumentHandler(createHttpApiHandler(() => apiServices, { log: logger, onRateLimited: (rateClass) => recordRequestRateLimited(rateClass) }), {
      name: 'ingest-http-api',
    }),
    onObjectCreated: instrumentHandler(createObjectCreatedHandler(() => services.checkUpload, { observe: recordOutcome }), {
      name: 'ingest-on-object-created',
    }),
  };
}
