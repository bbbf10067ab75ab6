import { App, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readInfraConfig, stagedName } from '@imgpipe/infra-shared';
import { ApiStack } from './stacks/api.stack';
import { DeliveryStack } from './stacks/delivery.stack';
import { dashboardName, ObservabilityStack } from './stacks/observability.stack';
import { CompressStack, type CompressSettings } from '@imgpipe/compress-infra';
import { FoundationStack } from './stacks/foundation.stack';
import { IngestStack } from '@imgpipe/ingest-infra';
import { MetadataStack } from '@imgpipe/metadata-infra';
import { NotifyStack } from '@imgpipe/notify-infra';
import { PipelineStack } from './stacks/pipeline.stack';
import { ThumbnailStack } from '@imgpipe/thumbnail-infra';

/** Every stack of the app, by role. */
export interface ImgpipeStacks {
  readonly foundation: FoundationStack;
  readonly compress: CompressStack;
  readonly thumbnail: ThumbnailStack;
  readonly ingest: IngestStack;
  readonly metadata: MetadataStack;
  readonly notify: NotifyStack;
  readonly pipeline: PipelineStack;
  readonly api: ApiStack;
  readonly delivery: DeliveryStack;
  readonly observability: ObservabilityStack;
}

/**
 * Stack ids (construct ids): stable and stage-independent, because `cdk deploy <id>
 * --exclusively` selects stacks by them and the Nx targets (infra/deploy-units.json) use them.
 * The CloudFormation stack names carry the stage: {@link cloudFormationStackName}.
 */
export const STACK_NAMES = {
  foundation: 'ImgpipeFoundation',
  compress: 'ImgpipeCompress',
  thumbnail: 'ImgpipeThumbnail',
  ingest: 'ImgpipeIngest',
  metadata: 'ImgpipeMetadata',
  notify: 'ImgpipeNotify',
  pipeline: 'ImgpipePipeline',
  api: 'ImgpipeApi',
  delivery: 'ImgpipeDelivery',
  observability: 'ImgpipeObservability',
} as const;

/** A stack's role in the app: `foundation`, `compress`, ... */
export type StackRole = keyof typeof STACK_NAMES;

/**
 * The CloudFormation name of a stack of `stage`, `imgpipe-<stage>-<role>` (`imgpipe-dev-foundation`),
 * like every other named resource ({@link stagedName}): two stages deploy side by side in one
 * account. `cdk deploy --outputs-file` keys its outputs by this name (the CLI's `--stack`).
 */
export function cloudFormationStackName(stage: string, role: StackRole): string {
  return stagedName(stage, role);
}

/**
 * Builds every stack into `app` and puts cdk-nag's AWS Solutions checks on all of them:
 * an unacknowledged error fails `cdk synth`.
 */
export interface BuildAppOptions {
  readonly env?: Environment;
  /** Run cdk-nag's AWS Solutions checks at synth. @default true (tests of templates alone turn it off for speed) */
  readonly nag?: boolean;
  /** The compress function's knobs (formats, profile, quality, limits). @default the service defaults */
  readonly compress?: CompressSettings;
}

export function buildApp(app: App, options: BuildAppOptions = {}): ImgpipeStacks {
  const { env, nag = true } = options;
  const config = readInfraConfig(app.node);
  const envProps = env ? { env } : {};
  /** Where a stack of `role` is deployed (account/region) and under which CloudFormation name. */
  const placed = (role: StackRole) => ({ ...envProps, stackName: cloudFormationStackName(config.stage, role) });
  const foundation = new FoundationStack(app, STACK_NAMES.foundation, { ...placed('foundation'), config });
  const compress = new CompressStack(app, STACK_NAMES.compress, {
    ...placed('compress'),
    config,
    foundation: foundation.resources,
    ...(options.compress ? { settings: options.compress } : {}),
  });
  const thumbnail = new ThumbnailStack(app, STACK_NAMES.thumbnail, { ...placed('thumbnail'), config, foundation: foundation.resources });
  const delivery = new DeliveryStack(app, STACK_NAMES.delivery, {
    ...placed('delivery'),
    processed: foundation.resources.buckets.processed,
  });
  // Ingest invalidates a deleted image's paths on the CDN: it reads Delivery's distribution id,
  // so Delivery deploys before Ingest (Delivery reads nothing of Ingest: no cycle).
  const ingest = new IngestStack(app, STACK_NAMES.ingest, {
    ...placed('ingest'),
    config,
    foundation: foundation.resources,
    distribution: delivery.distribution,
  });
  // Metadata writes the CDN's domain into the delivery record and invalidates replaced derivatives: Delivery deploys first.
  const metadata = new MetadataStack(app, STACK_NAMES.metadata, {
    ...placed('metadata'),
    config,
    foundation: foundation.resources,
    distribution: delivery.distribution,
  });
  const notify = new NotifyStack(app, STACK_NAMES.notify, { ...placed('notify'), config, foundation: foundation.resources });
  const pipeline = new PipelineStack(app, STACK_NAMES.pipeline, {
    ...placed('pipeline'),
    config,
    foundation: foundation.resources,
    tasks: {
      compress: compress.service.fn,
      thumbnail: thumbnail.service.fn,
      recordThumbnails: metadata.service.recordThumbnails,
      recordMetadata: metadata.service.recordMetadata,
      recordFailure: metadata.service.recordFailure,
    },
    notifyQueue: notify.service.queue,
    onObjectCreated: ingest.service.onObjectCreated,
    onPipelineEvent: metadata.service.onPipelineEvent,
    addAvifVariant: compress.service.addAvifVariant,
  });
  const api = new ApiStack(app, STACK_NAMES.api, {
    ...placed('api'),
    config,
    handler: ingest.service.httpApi,
    web: { origin: delivery.webOrigin, bucket: delivery.webBucket, distribution: delivery.distribution },
    dashboardName: dashboardName(config.stage, 'pipeline'),
    // The UI's live updates: the bus's image changes pushed through AppSync Events.
    realtime: { eventBus: foundation.resources.eventBus, deadLetterQueue: foundation.resources.deadLetterQueues.ruleTargets },
  });
  const observability = new ObservabilityStack(app, STACK_NAMES.observability, {
    ...placed('observability'),
    stage: config.stage,
    services: [
      { name: 'ingest', functions: [ingest.service.httpApi, ingest.service.onObjectCreated] },
      { name: 'compress', functions: [compress.service.fn, compress.service.addAvifVariant] },
      { name: 'thumbnail', functions: [thumbnail.service.fn] },
      { name: 'metadata', functions: metadata.service.functions },
      { name: 'notify', functions: [notify.service.fn] },
    ],
    // The purge keeps the erasure promise: any error, or a missed run, alarms.
    scheduledJobs: [
      { name: 'purge', fn: metadata.service.purgeDeleted, interval: metadata.service.purgeInterval },
      // The reconciler keeps "nothing stuck processing" true: the same alarms.
      { name: 'reconcile', fn: metadata.service.reconcileStuck, interval: metadata.service.reconcileInterval },
    ],
    stateMachine: pipeline.pipeline.stateMachine,
    deadLetterQueues: {
      'rule-targets': foundation.resources.deadLetterQueues.ruleTargets,
      notify: foundation.resources.deadLetterQueues.notify,
      'async-invokes': foundation.resources.deadLetterQueues.asyncInvokes,
    },
    queues: { notify: notify.service.queue },
    // EventBridge invokes these asynchronously (each has the async-invokes on-failure destination).
    asyncFunctions: [ingest.service.onObjectCreated, metadata.service.onPipelineEvent, compress.service.addAvifVariant, metadata.service.purgeDeleted, metadata.service.reconcileStuck],
    rules: { ...pipeline.pipeline.rules, purge: metadata.service.purgeSchedule, reconcile: metadata.service.reconcileSchedule },
    httpApi: api.api,
    distribution: delivery.distribution,
    tables: { ...foundation.resources.tables },
  });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { foundation, compress, thumbnail, ingest, metadata, notify, pipeline, api, delivery, observability };
}
