import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsConfigSchema, loadConfig, toAwsClientsConfig, type AwsClientsConfig, type AwsService } from '../config';

/** The part of a client configuration every SDK client shares. */
export interface BaseClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Region, endpoint override and static credentials, as any SDK v3 client takes them. */
export function clientConfig(config: BaseClientConfig): {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
} {
  return {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
  };
}

/**
 * The S3 client configuration. Checksums are only computed or validated when an operation
 * requires them, always: with the SDK's default (`WHEN_SUPPORTED`) streamed bodies go out
 * `aws-chunked` with trailing checksums, which an S3-compatible server such as s3rver stores
 * verbatim (silently corrupt objects), and presigned URLs carry checksum parameters. With an
 * endpoint override, buckets go in the path (`http://127.0.0.1:4568/bucket/key`): a local
 * server has no per-bucket host names.
 */
export function s3ClientConfig(config: BaseClientConfig): S3ClientConfig {
  return {
    ...clientConfig(config),
    forcePathStyle: config.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** The endpoint for one service: its own override, else the shared one, else AWS. */
export function endpointFor(config: AwsClientsConfig, service: AwsService): string | undefined {
  return config.endpoints?.[service] ?? config.endpoint;
}

/** The SDK clients the adapters take. Each is created on first use and then shared. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  /** The DynamoDB document client (plain JS values; `undefined` attributes are dropped). */
  readonly documents: DynamoDBDocumentClient;
  readonly eventBridge: EventBridgeClient;
  readonly sns: SNSClient;
  /**
   * CloudFront (a global service: any region reaches it). It has no local peer, so no
   * endpoint override applies to it; the local runtime never invalidates.
   */
  readonly cloudFront: CloudFrontClient;
  /** Closes the sockets of every client created so far. */
  destroy(): void;
}

export interface CreateAwsClientsOptions {
  /** Wraps each client for X-Ray (the shared Powertools `tracer`); a no-op outside Lambda. */
  readonly tracer?: { captureAWSv3Client<T>(client: T): T };
}

/**
 * The one place SDK clients are built; adapters are handed these, never build their own.
 * Without `config`, reads the environment ({@link awsConfigSchema}: `AWS_REGION`,
 * `IMGPIPE_AWS_ENDPOINT`, `IMGPIPE_<SERVICE>_ENDPOINT`) and fails fast if it is wrong.
 *
 * @example
 * const clients = createAwsClients({ region: 'eu-west-1', endpoints: { s3: s3.endpoint, dynamodb: db.endpoint } });
 * const store = new S3ObjectStore(clients.s3);
 */
export function createAwsClients(config?: AwsClientsConfig, options: CreateAwsClientsOptions = {}): AwsClients {
  const resolved = config ?? toAwsClientsConfig(loadConfig(awsConfigSchema));
  const base = (service: AwsService): BaseClientConfig => {
    const endpoint = endpointFor(resolved, service);
    return {
      region: resolved.region,
      ...(endpoint ? { endpoint } : {}),
      ...(resolved.credentials ? { credentials: resolved.credentials } : {}),
    };
  };
  const capture = <T>(client: T): T => (options.tracer ? options.tracer.captureAWSv3Client(client) : client);

  const created: Array<{ destroy(): void }> = [];
  const lazy = <T extends { destroy(): void }>(make: () => T, traced = true): (() => T) => {
    let client: T | undefined;
    return () => {
      if (!client) {
        client = traced ? capture(make()) : make();
        created.push(client);
      }
      return client;
    };
  };

  const s3 = lazy(() => new S3Client(s3ClientConfig(base('s3'))));
  const dynamodb = lazy(() => new DynamoDBClient(clientConfig(base('dynamodb'))));
  // The document client sends through the (already traced) low-level client.
  const documents = lazy(
    () => DynamoDBDocumentClient.from(dynamodb(), { marshallOptions: { removeUndefinedValues: true } }),
    false,
  );
  const eventBridge = lazy(() => new EventBridgeClient(clientConfig(base('eventbridge'))));
  const sns = lazy(() => new SNSClient(clientConfig(base('sns'))));
  const cloudFront = lazy(
    () =>
      new CloudFrontClient(
        clientConfig({ region: resolved.region, ...(resolved.credentials ? { credentials: resolved.credentials } : {}) }),
      ),
  );

  return {
    get s3() {
      return s3();
    },
    get dynamodb() {
      return dynamodb();
    },
    get documents() {
      return documents();
    },
    get eventBridge() {
      return eventBridge();
    },
    get sns() {
      return sns();
    },
    get cloudFront() {
      return cloudFront();
    },
    destroy() {
      for (const client of created.splice(0)) client.destroy();
    },
  };
}
