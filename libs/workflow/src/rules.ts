import {
  imageHistoryContracts,
  ImageProcessedV1,
  ImageProcessedV2,
  ImageProcessingFailedV1,
  ImageUploadedV1,
  ORIGINALS_PREFIX,
  toEventPattern,
  type AnyContract,
} from '@imgpipe/contracts';
import type { EventBridgePattern } from './event-pattern';

/** The custom bus every imgpipe event travels on. */
export const EVENT_BUS_NAME = 'imgpipe';

/** The account's default bus: where S3 sends its EventBridge notifications (and only there). */
export const DEFAULT_EVENT_BUS_NAME = 'default';

/** The buses a rule can live on. */
export type RuleEventBus = typeof EVENT_BUS_NAME | typeof DEFAULT_EVENT_BUS_NAME;

/**
 * Where a rule delivers. Each runtime maps a target to its own thing: the CDK app to an
 * `SfnStateMachine`, `SqsQueue` or `LambdaFunction` target; the local runtime to the state
 * machine runner, the notify queue and the services' handlers.
 * - `pipeline`: the Express state machine (`pipeline.asl.json`), started with the event;
 * - `notify-queue`: the SQS queue notify consumes (with its DLQ);
 * - `ingest-on-object-created`: ingest's `onObjectCreated` handler;
 * - `metadata`: metadata's `onPipelineEvent`, which appends every event to the event store;
 * - `avif`: compress's follow-up step (`createAvifHandler`), which adds the AVIF variant to the
 *   run `ImageProcessed` announced, after the image is already served (issue 13).
 */
export const RULE_TARGETS = ['pipeline', 'notify-queue', 'ingest-on-object-created', 'metadata', 'avif'] as const;
export type RuleTarget = (typeof RULE_TARGETS)[number];

/** One EventBridge rule, as data. */
export interface EventRule {
  /** The rule's name (EventBridge: 1-64 of `.`, `-`, `_`, A-Z, a-z, 0-9). */
  readonly name: string;
  readonly description: string;
  readonly eventBus: RuleEventBus;
  readonly eventPattern: EventBridgePattern;
  readonly target: RuleTarget;
}

/** What the rules need from the deployment. */
export interface EventRuleParameters {
  /** The bucket originals are uploaded to; only its `uploads/` objects feed the pipeline. */
  readonly originalsBucketName: string;
}

/**
 * Every rule of imgpipe, in one place: the CDK app creates them, the local bus routes by
 * them.
 *
 * @example
 * ```ts
 * for (const rule of eventRules({ originalsBucketName: originals.bucketName })) {
 *   new Rule(this, rule.name, { eventBus: busFor(rule.eventBus), eventPattern: rule.eventPattern, ... });
 * }
 * ```
 */
export function eventRules(parameters: EventRuleParameters): readonly EventRule[] {
  if (!parameters.originalsBucketName) throw new Error('eventRules: originalsBucketName is empty');
  return [
    {
      name: 'image-uploaded-to-pipeline',
      description: 'An original passed ingest: run the pipeline state machine on it.',
      eventBus: EVENT_BUS_NAME,
      eventPattern: contractPattern([ImageUploadedV1]),
      target: 'pipeline',
    },
    {
      name: 'image-outcome-to-notify',
      description: 'An image was processed or failed: tell the owner (SNS, webhooks) through the notify queue.',
      eventBus: EVENT_BUS_NAME,
      // v1 stays routed: a replay of the archive re-announces images processed before v2.
      eventPattern: contractPattern([ImageProcessedV1, ImageProcessedV2, ImageProcessingFailedV1]),
      target: 'notify-queue',
    },
    {
      name: 'original-created-to-ingest',
      description: 'An object landed under uploads/ in the originals bucket: check it and announce ImageUploaded.',
      eventBus: DEFAULT_EVENT_BUS_NAME,
      eventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [parameters.originalsBucketName] },
          object: { key: [{ prefix: ORIGINALS_PREFIX }] },
        },
      },
      target: 'ingest-on-object-created',
    },
    {
      name: 'imgpipe-events-to-metadata',
      description: 'Every imgpipe event of an image, every version: append it to the image history (the event store).',
      eventBus: EVENT_BUS_NAME,
      // Audit-only events (UploadRefused: no proven image) stay on the bus and in its archive.
      eventPattern: contractPattern(imageHistoryContracts),
      target: 'metadata',
    },
    {
      name: 'image-processed-to-avif',
      description: 'An image was processed (v2: its delivery record names the run): add its AVIF variant, after the fact (ImageVariantAdded).',
      eventBus: EVENT_BUS_NAME,
      // v1 carries no delivery record (no run version to add to): a replay of v1 events makes no AVIF.
      eventPattern: contractPattern([ImageProcessedV2]),
      target: 'avif',
    },
  ];
}

/** The rule delivering exactly one target (each target has one rule). */
export function ruleFor(rules: readonly EventRule[], target: RuleTarget): EventRule {
  const rule = rules.find((r) => r.target === target);
  if (!rule) throw new Error(`no rule delivers to ${target}`);
  return rule;
}

function contractPattern(contracts: readonly AnyContract[]): EventBridgePattern {
  const { source, 'detail-type': detailType, detail } = toEventPattern(contracts);
  return { source, 'detail-type': detailType, detail: { version: detail.version } };
}
