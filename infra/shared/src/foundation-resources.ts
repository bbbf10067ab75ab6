import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Archive, IEventBus } from 'aws-cdk-lib/aws-events';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { TABLES } from '@imgpipe/platform';

// The shape of what `FoundationStack` (infra/src/stacks/foundation.stack.ts) hands the other
// stacks. The types live here, apart from the stack, so that a service's stack can name them
// without depending on the `infra` project (and, through it, on libs/workflow).

/** The platform's tables, keyed as in `@imgpipe/platform`'s `TABLES`. */
export type PlatformTables = { readonly [K in keyof typeof TABLES]: ITable };

/** The dead-letter queues of the asynchronous hops, kept with the other stateful resources. */
export interface DeadLetterQueues {
  /**
   * Every EventBridge rule target's DLQ. One queue serves all rules: EventBridge stamps each
   * message with `RULE_ARN`, `TARGET_ARN` and `ERROR_CODE` attributes, so redrive and triage
   * still know where a message came from.
   */
  readonly ruleTargets: IQueue;
  /** The redrive DLQ of the notify queue (messages notify failed to deliver `maxReceiveCount` times). */
  readonly notify: IQueue;
  /**
   * The on-failure destination of every asynchronously invoked function (ingest's upload
   * validator, metadata's bus consumer and purge): the invocation record (request payload,
   * error, function ARN in `requestContext`) of an event Lambda gave up on.
   */
  readonly asyncInvokes: IQueue;
}

/** What the foundation gives the other stacks: typed, so a stack takes only what it names. */
export interface FoundationResources {
  readonly buckets: { readonly originals: IBucket; readonly processed: IBucket };
  readonly tables: PlatformTables;
  readonly eventBus: IEventBus;
  readonly archive: Archive;
  /** The user-facing notification topic (ImageProcessed / ImageProcessingFailed). */
  readonly notificationsTopic: ITopic;
  readonly deadLetterQueues: DeadLetterQueues;
  /**
   * The webhook list notify reads (`WEBHOOKS_SECRET_ARN`): JSON `[{ "url", "secret", ... }]`,
   * created as `[]` and edited by people (`aws secretsmanager put-secret-value`), never by a
   * deploy, so the signing secrets are in neither the template nor the function's settings.
   */
  readonly webhooksSecret: ISecret;
}
