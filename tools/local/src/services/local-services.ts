import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { APIGatewayProxyStructuredResultV2, EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  awsAvifPorts,
  awsCompressPorts,
  createAvifHandler,
  createCompressHandler,
  loadAvifConfig,
  loadCompressConfig,
  type AddAvifVariantResult,
} from '@imgpipe/compress';
import {
  awsIngestPorts,
  createIngestHandlers,
  loadIngestConfig,
  type CheckUploadOutcome,
  type HttpApiEvent,
  type IngestConfig,
  type IngestServices,
  type UploadHistories,
} from '@imgpipe/ingest';
import {
  awsMetadataPorts,
  createMetadataHandlers,
  loadMetadataConfig,
  type MetadataHandlers,
  type MetadataService,
  type OnPipelineEventResult,
} from '@imgpipe/metadata';
import { awsNotifyPorts, createNotifyHandler, loadNotifyConfig } from '@imgpipe/notify';
import type { AwsClients, Env, EventPublisher, Notification, Notifier } from '@imgpipe/platform';
import { awsThumbnailPorts, createThumbnailHandler, loadThumbnailConfig } from '@imgpipe/thumbnail';
import { createPutEventsTask, EVENT_BUS_NAME, toLocalTaskHandlers, type LocalTaskHandlers } from '@imgpipe/workflow';
import type { Ssimulacra2Scorer } from '@imgpipe/image-ops/scorer';
import type { EventRedaction } from '../bus/archive';
import { ThumbnailsFirst } from './thumbnails-first';

/**
 * The SNS topic's local stand-in: each notification appended as a JSON line to a file
 * (`.imgpipe/logs/notifications.jsonl`), where a person can read what subscribers would get.
 * Appends and {@link redactImage} run one at a time, so a rewrite never loses a line.
 */
export class FileNotifier implements Notifier {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string) {}

  async notify(notification: Notification): Promise<{ messageId: string }> {
    const messageId = randomUUID();
    await this.serial(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, `${JSON.stringify({ messageId, at: new Date().toISOString(), ...notification })}\n`);
    });
    return { messageId };
  }

  /**
   * Rewrites the notifications about `imageId` (their message is the notification payload,
   * an event envelope plus its name) through `redact` (e.g. `redactEvent` of
   * @imgpipe/contracts), as the purge does to the image's history and the bus archive: an SNS
   * message, once sent, cannot be recalled on AWS, but this file is the runtime's own copy.
   *
   * @returns how many lines were rewritten.
   */
  redactImage(imageId: string, redact: EventRedaction): Promise<number> {
    return this.serial(async () => {
      const text = await readFile(this.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      let rewritten = 0;
      const lines = text.split('\n').map((line) => {
        if (line.trim() === '') return line;
        try {
          const entry = JSON.parse(line) as { message?: unknown };
          if (typeof entry.message !== 'string') return line;
          const payload = JSON.parse(entry.message) as { detailType?: unknown; data?: { imageId?: unknown } };
          if (payload.data?.imageId !== imageId || typeof payload.detailType !== 'string') return line;
          const redacted = JSON.stringify(redact(payload.detailType, payload as never));
          if (redacted === entry.message) return line;
          rewritten += 1;
          return JSON.stringify({ ...entry, message: redacted });
        } catch {
          return line;
        }
      });
      if (rewritten > 0) {
        await writeFile(`${this.path}.rewrite`, lines.join('\n'));
        await rename(`${this.path}.rewrite`, this.path);
      }
      return rewritten;
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

export interface LocalServicesDeps {
  /** The environment every service reads its configuration from (resources and knobs). */
  readonly env: Env;
  /** SDK clients on the local S3 and DynamoDB servers. */
  readonly clients: AwsClients;
  /** The `imgpipe` bus. */
  readonly publisher: EventPublisher;
  /** Where notify's SNS messages go. */
  readonly notifier: Notifier;
  /** Ingest's proven-upload histories (`IngestPorts.uploadHistories`); default: the event store. */
  readonly uploadHistories?: UploadHistories;
  /** Where compress's quality search scores SSIMULACRA2 (the runtime passes a worker thread's); default the calling thread. */
  readonly scorer?: Ssimulacra2Scorer;
}

/** Every handler the runtime routes to, built from the services' own factories. */
export interface LocalServices {
  readonly ingestConfig: IngestConfig;
  readonly ingest: IngestServices;
  readonly metadata: MetadataService;
  /** metadata's reconciler of images stuck processing (its knobs from `env`), run by the background sweep. */
  readonly reconcileStuckImages: MetadataHandlers['reconcileStuckImages'];
  /** The ingest HTTP API (API Gateway HTTP API v2 events). */
  readonly httpApi: (event: HttpApiEvent) => Promise<APIGatewayProxyStructuredResultV2>;
  /** ingest `onObjectCreated` (S3 "Object Created" events from the default bus). */
  readonly onObjectCreated: (event: unknown) => Promise<CheckUploadOutcome>;
  /** metadata `onPipelineEvent` (every imgpipe event). */
  readonly onPipelineEvent: (event: EventBridgeEvent<string, unknown>) => Promise<OnPipelineEventResult>;
  /** compress's AVIF step after `ImageProcessed` v2 (the `avif` rule target). */
  readonly addAvifVariant: (event: EventBridgeEvent<string, unknown>) => Promise<AddAvifVariantResult>;
  /** notify's SQS batch handler. */
  readonly notifyBatch: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** The pipeline's Task states -> the compress, thumbnail and metadata task handlers and PutEvents. */
  readonly taskHandlers: LocalTaskHandlers;
}

/**
 * Mounts every service over the local peers: each service's own composition root
 * (`create*Handler(s)`) — the same factory its Lambda entry file calls — with ports built
 * from the local endpoints (its `aws*Ports` on SDK clients of the local S3 and DynamoDB
 * servers, the local bus in place of EventBridge, a file in place of SNS). No handler, use
 * case or wiring is written here. Nothing reads `process.env`: the configuration comes from
 * `env`, so two runtimes can live in one process. Every service's configuration is read now:
 * a bad setting throws its `ConfigError` here and stops `npm start` instead of failing images.
 */
export function createLocalServices(deps: LocalServicesDeps): LocalServices {
  const { env, clients, publisher } = deps;

  const ingestConfig = loadIngestConfig(env);
  const ingest = createIngestHandlers(
    {
      ...awsIngestPorts(ingestConfig, clients),
      publisher,
      ...(deps.uploadHistories ? { uploadHistories: deps.uploadHistories } : {}),
    },
    ingestConfig,
  );

  const metadataConfig = loadMetadataConfig(env);
  const metadata = createMetadataHandlers({ ...awsMetadataPorts(metadataConfig, clients), publisher }, metadataConfig);

  const compressConfig = loadCompressConfig(env);
  const avifConfig = loadAvifConfig(env);
  const scorer = deps.scorer ? { scorer: deps.scorer } : {};
  const addAvifVariant = createAvifHandler({ ...awsAvifPorts(avifConfig, clients), publisher, ...scorer }, avifConfig);
  const thumbnailConfig = loadThumbnailConfig(env);
  const notifyConfig = loadNotifyConfig(env);
  const notify = createNotifyHandler({ ...awsNotifyPorts(notifyConfig, clients), notifier: deps.notifier }, notifyConfig);
  const thumbnailsFirst = new ThumbnailsFirst();

  return {
    ingestConfig,
    ingest: ingest.services,
    metadata: metadata.service,
    reconcileStuckImages: metadata.reconcileStuckImages,
    httpApi: (event) => ingest.httpApi(event),
    onObjectCreated: (event) => ingest.onObjectCreated(event),
    onPipelineEvent: (event) => metadata.onPipelineEvent(event),
    addAvifVariant: (event) => addAvifVariant(event),
    notifyBatch: (event) => notify(event),
    taskHandlers: toLocalTaskHandlers({
      // One process, a few cores: a run's full-size encode starts after its thumbnails are recorded (bounded; thumbnails-first.ts).
      Compress: thumbnailsFirst.compress(createCompressHandler({ ...awsCompressPorts(compressConfig, clients), ...scorer }, compressConfig)),
      Thumbnail: thumbnailsFirst.thumbnail(createThumbnailHandler(awsThumbnailPorts(thumbnailConfig, clients), thumbnailConfig)),
      RecordThumbnails: thumbnailsFirst.recordThumbnails(metadata.recordThumbnails),
      RecordMetadata: metadata.recordMetadata,
      RecordFailure: metadata.recordFailure,
      PublishProcessed: createPutEventsTask(publisher, { eventBusName: EVENT_BUS_NAME }),
    }),
  };
}
