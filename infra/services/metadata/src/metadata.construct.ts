import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ImgpipeFunction, type InfraConfig, knobs, type PlatformTables } from '@imgpipe/infra-shared';

/** The metadata service's knobs; each maps to one variable of apps/metadata/src/config.ts. */
export interface MetadataSettings {
  /** `RETENTION_DAYS`: read-model records expire this long after upload. @default never */
  readonly retentionDays?: number;
  /** `METADATA_MAX_ATTEMPTS`: attempts of one append + projection under concurrent writers. */
  readonly maxAttempts?: number;
}

export interface MetadataProps extends MetadataSettings {
  readonly config: InfraConfig;
  readonly tables: Pick<PlatformTables, 'imageMetadata' | 'imageEvents'>;
  readonly eventBus: IEventBus;
}

/**
 * Memory and timeout. The record tasks and the bus consumer do a few DynamoDB round trips
 * (read the history, append, project), so 512 MB and 30 s (retries of an optimistic
 * append included). The rebuild scans the whole event store and rewrites the read model,
 * an operator's job that may run long: 1024 MB and Lambda's 15 minutes.
 */
export const METADATA_MEMORY_MB = 512;
export const METADATA_TIMEOUT = Duration.seconds(30);
export const REBUILD_MEMORY_MB = 1024;
export const REBUILD_TIMEOUT = Duration.minutes(15);

/**
 * The metadata service: four functions over the event store (the truth) and the read model
 * (its projection). Each reads and writes both tables; only `recordFailure` publishes
 * (`ImageProcessingFailed`), so only it may put events on the bus.
 * - `recordMetadata`: state machine task `RecordMetadata`;
 * - `recordFailure`: state machine task `RecordFailure`;
 * - `onPipelineEvent`: the bus consumer that appends every imgpipe event to the history;
 * - `rebuildReadModel`: operations (re-project one image or all from the event store).
 */
export class MetadataService extends Construct {
  readonly recordMetadata: ImgpipeFunction;
  readonly recordFailure: ImgpipeFunction;
  readonly onPipelineEvent: ImgpipeFunction;
  readonly rebuildReadModel: ImgpipeFunction;

  constructor(scope: Construct, id: string, props: MetadataProps) {
    super(scope, id);
    const { config, tables, eventBus } = props;
    const environment = knobs({ RETENTION_DAYS: props.retentionDays, METADATA_MAX_ATTEMPTS: props.maxAttempts });

    const fn = (
      fnId: string,
      handlerFile: string,
      description: string,
      sizing: { memorySize: number; timeout: Duration },
    ): ImgpipeFunction =>
      new ImgpipeFunction(this, fnId, {
        service: 'metadata',
        entry: `apps/metadata/src/handlers/${handlerFile}.handler.ts`,
        description: `imgpipe metadata: ${description}`,
        ...sizing,
        logRetention: config.logRetention,
        logLevel: config.logLevel,
        environment,
      })
        .bindTable('EVENTS_TABLE', tables.imageEvents, 'read-write')
        .bindTable('IMAGES_TABLE', tables.imageMetadata, 'read-write');

    const small = { memorySize: METADATA_MEMORY_MB, timeout: METADATA_TIMEOUT };
    this.recordMetadata = fn('RecordMetadata', 'record-metadata', 'records a processed image (task RecordMetadata)', small);
    this.recordFailure = fn('RecordFailure', 'record-failure', 'records and publishes a failure (task RecordFailure)', small)
      .bindEventBus('EVENT_BUS_NAME', eventBus);
    this.onPipelineEvent = fn('OnPipelineEvent', 'on-pipeline-event', 'appends bus events to the image history', small);
    this.rebuildReadModel = fn('RebuildReadModel', 'rebuild-read-model', 're-projects the read model from the event store', {
      memorySize: REBUILD_MEMORY_MB,
      timeout: REBUILD_TIMEOUT,
    });
    // The metadata config requires the bus name (one schema serves all four handlers); these
    // three never publish, so they get the name without `events:PutEvents`.
    for (const quiet of [this.recordMetadata, this.onPipelineEvent, this.rebuildReadModel]) {
      quiet.addEnvironment('EVENT_BUS_NAME', eventBus.eventBusName);
    }
  }

  /** The functions of the service, for dashboards and alarms. */
  get functions(): readonly ImgpipeFunction[] {
    return [this.recordMetadata, this.recordFailure, this.onPipelineEvent, this.rebuildReadModel];
  }
}
