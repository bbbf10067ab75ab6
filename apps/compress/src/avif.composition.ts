import type { EventBridgeEvent } from 'aws-lambda';
import { ContractError, ImageProcessedV2, parseKnownEvent } from '@imgpipe/contracts';
import { configureImageRuntime, releaseFreedMemory } from '@imgpipe/image-ops';
import type { Ssimulacra2Scorer } from '@imgpipe/image-ops/scorer';
import {
  createAwsClients,
  DynamoImageEventStore,
  EventBridgePublisher,
  instrumentHandler,
  logger,
  S3ObjectStore,
  tracer,
  withImageContext,
  type AwsClients,
  type EventPublisher,
  type ImageEventStore,
  type InstrumentedHandler,
  type ObjectStore,
} from '@imgpipe/platform';
import { createAddAvifVariant, type AddAvifVariantResult } from './add-avif-variant.use-case';
import type { AvifConfig } from './avif.config';

/** The ports the AVIF step stands on. */
export interface AvifPorts {
  /** Reads the original, writes `full.avif`. */
  readonly store: ObjectStore;
  /** Reads the image's history (is the record still on this run?). */
  readonly events: Pick<ImageEventStore, 'load'>;
  /** Publishes `ImageVariantAdded` on the imgpipe bus. */
  readonly publisher: EventPublisher;
  /**
   * Where the quality search scores SSIMULACRA2: absent (Lambda), on the calling thread; the
   * local runtime passes a worker thread's, so the scoring leaves its shared event loop.
   */
  readonly scorer?: Ssimulacra2Scorer;
}

/** S3, the DynamoDB event store and EventBridge on the SDK; the local runtime passes its own `clients` and bus. */
export function awsAvifPorts(
  config: AvifConfig,
  clients: Pick<AwsClients, 's3' | 'documents' | 'eventBridge'> = createAwsClients(config.aws, { tracer }),
): AvifPorts {
  return {
    store: new S3ObjectStore(clients.s3),
    events: new DynamoImageEventStore(clients.documents, config.eventsTable),
    publisher: new EventBridgePublisher(clients.eventBridge, config.eventBusName),
  };
}

/**
 * The AVIF step's composition root (compress's second entry point, issue 13): the rule
 * `image-processed-to-avif` delivers `ImageProcessed` v2 here (asynchronously: Lambda's
 * retries, then the rule target's DLQ on AWS; the local bus's retries locally). Parses the
 * event with its contract (refused: logged and thrown, so it dead-letters), runs
 * `createAddAvifVariant` with the image on every log line, and logs what it did.
 */
export function createAvifHandler(ports: AvifPorts, config: AvifConfig): InstrumentedHandler<EventBridgeEvent<string, unknown>, AddAvifVariantResult> {
  let run: ReturnType<typeof createAddAvifVariant> | undefined;
  return instrumentHandler(
    async (event: EventBridgeEvent<string, unknown>) => {
      let parsed;
      try {
        parsed = parseKnownEvent([ImageProcessedV2], event);
      } catch (error) {
        if (error instanceof ContractError) logger.error('event refused by its contract', { detailType: event['detail-type'], source: event.source, error });
        throw error;
      }
      const { envelope } = parsed;
      if (!run) {
        configureImageRuntime();
        run = createAddAvifVariant({
          store: ports.store,
          events: ports.events,
          publisher: ports.publisher,
          originalsBucket: config.originalsBucket,
          processedBucket: config.processedBucket,
          enabled: config.enabled,
          effort: config.effort,
          policy: config.policy,
          ...(ports.scorer ? { scorer: ports.scorer } : {}),
        });
      }
      const addAvif = run;
      return withImageContext({ imageId: envelope.data.imageId, correlationId: envelope.correlationId }, async () => {
        const started = performance.now();
        // The encoder's memory is freed when the encode ends: give glibc's free pages back (a no-op off glibc).
        const result = await addAvif(envelope).finally(() => releaseFreedMemory());
        const ms = Math.round(performance.now() - started);
        if (result.status === 'added') logger.info('avif variant added', { ms, bytes: result.data.variant.bytes, quality: result.data.variant.quality });
        else logger.info('avif variant skipped', { ms, reason: result.reason, ...(result.removedKey ? { removedKey: result.removedKey } : {}) });
        return result;
      });
    },
    { name: 'avif' },
  );
}
