import { Duration, Expiration, SecretValue } from 'aws-cdk-lib';
import { AppSyncAuthorizationType, ChannelNamespace, Code, EventApi, type AppSyncAuthProvider } from 'aws-cdk-lib/aws-appsync';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { ApiDestination, Authorization, Connection, EventField, HttpMethod, Rule, RuleTargetInput, type IEventBus } from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget } from 'aws-cdk-lib/aws-events-targets';
import { Queue, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IMAGE_CHANGES_NAMESPACE, type ImageChange, type RealtimeConfig } from '@imgpipe/contracts/views';
import { eventRules, ruleFor } from '@imgpipe/workflow';
import { RULE_TARGET_RETRY, stagedName } from '@imgpipe/infra-shared';
import { toCdkEventPattern } from '../constructs/pipeline.construct';
import { ON_SUBSCRIBE_CODE } from './on-subscribe.code';

/** The name of the API key the bus publishes with (the only API key; it can publish, never subscribe). */
export const PUBLISHER_KEY_NAME = 'bus-publisher';

/**
 * How long the publisher's key lives. AppSync API keys expire (365 days at most); every
 * deploy of this stack moves the expiry a year out (docs/deploy.md: redeploy within a year).
 */
export const PUBLISHER_KEY_LIFETIME = Duration.days(365);

/**
 * The API destination's rate: EventBridge holds events above it (within the rule target's
 * retry window) rather than dropping them. 1M images a day is ~25 history events a second;
 * a 1,000-upload burst is ~2,000 within a few seconds, spread over ~7 s at this rate.
 */
export const PUBLISH_RATE_PER_SECOND = 300;

export interface ImageChangesRealtimeProps {
  readonly stage: string;
  /** The subscribers' issuer: the Api stack's user pool and its web client (tokens of other clients are refused). */
  readonly userPool: IUserPool;
  readonly userPoolClient: IUserPoolClient;
  /** The bus whose image-history events are pushed. */
  readonly eventBus: IEventBus;
  /** Where an event that could not be published after the rule target's retries goes (the Foundation's rule-target DLQ). */
  readonly deadLetterQueue: IQueue;
}

/**
 * The UI's live updates on AWS: an AppSync Events API whose `images` namespace has one channel
 * per user, `/images/{sub}`.
 * - Subscribers authenticate with the Cognito ID token (the web client's only) and may subscribe
 *   only to their own channel (`ON_SUBSCRIBE_CODE`).
 * - The bus publishes: a rule on the image-history events (the pattern of the rule feeding
 *   metadata, `eventRules` of `@imgpipe/workflow`: the same events the local stream announces)
 *   sends each, through an EventBridge API destination, to the owner's channel as an
 *   {@link ImageChange} (`imageId`, `detailType`, `occurredAt`; nothing else of the image).
 *
 * Why an API destination and not a Lambda: no code to run, bundle, alarm and pay per ms for a
 * pure reshaping of fields; EventBridge retries it and dead-letters it like every other rule
 * target. Its cost is an API key (API destinations cannot sign with IAM), kept by EventBridge's
 * connection in Secrets Manager and allowed to publish only.
 * The status is left out: it cannot be derived in an input transformer, and the UI re-reads
 * the image on a change anyway (`ImageChange.status` is optional).
 */
export class ImageChangesRealtime extends Construct {
  readonly api: EventApi;
  readonly namespace: ChannelNamespace;
  readonly rule: Rule;
  /** What `config.json` tells the UI (`WebConfig.realtime`). */
  readonly webConfig: RealtimeConfig;

  constructor(scope: Construct, id: string, props: ImageChangesRealtimeProps) {
    super(scope, id);
    const publisherKey: AppSyncAuthProvider = {
      authorizationType: AppSyncAuthorizationType.API_KEY,
      apiKeyConfig: {
        name: PUBLISHER_KEY_NAME,
        description: 'EventBridge API destination: publishes image changes (publish only)',
        expires: Expiration.after(PUBLISHER_KEY_LIFETIME),
      },
    };
    const users: AppSyncAuthProvider = {
      authorizationType: AppSyncAuthorizationType.USER_POOL,
      cognitoConfig: { userPool: props.userPool, appIdClientRegex: `^${props.userPoolClient.userPoolClientId}$` },
    };
    this.api = new EventApi(this, 'Api', {
      apiName: stagedName(props.stage, 'realtime'),
      authorizationConfig: {
        authProviders: [publisherKey, users],
        connectionAuthModeTypes: [AppSyncAuthorizationType.USER_POOL, AppSyncAuthorizationType.API_KEY],
        defaultPublishAuthModeTypes: [AppSyncAuthorizationType.API_KEY],
        defaultSubscribeAuthModeTypes: [AppSyncAuthorizationType.USER_POOL],
      },
    });
    this.namespace = this.api.addChannelNamespace('Images', {
      channelNamespaceName: IMAGE_CHANGES_NAMESPACE,
      code: Code.fromInline(ON_SUBSCRIBE_CODE),
      authorizationConfig: {
        publishAuthModeTypes: [AppSyncAuthorizationType.API_KEY],
        subscribeAuthModeTypes: [AppSyncAuthorizationType.USER_POOL],
      },
    });

    const key = this.api.apiKeys[PUBLISHER_KEY_NAME];
    if (!key) throw new Error(`the Event API has no API key named ${PUBLISHER_KEY_NAME}`);
    const connection = new Connection(this, 'PublisherConnection', {
      description: 'imgpipe image changes -> AppSync Events (API key)',
      authorization: Authorization.apiKey('x-api-key', SecretValue.resourceAttribute(key.attrApiKey)),
    });
    const destination = new ApiDestination(this, 'Publish', {
      connection,
      endpoint: `https://${this.api.httpDns}/event`,
      httpMethod: HttpMethod.POST,
      rateLimitPerSecond: PUBLISH_RATE_PER_SECOND,
      description: "AppSync Events HTTP publish: one image change to its owner's channel",
    });

    // The history events metadata records, by the one pattern of that rule (the bucket name
    // only shapes the S3 rule, which is not used here).
    const history = ruleFor(eventRules({ originalsBucketName: 'unused-by-the-history-rule' }), 'metadata');
    // AppSync wants `events` as JSON strings: the ImageChange is written as one. The values put
    // in are an image id (`[A-Za-z0-9_-]`, the contracts' ImageId), the rule's detail types and
    // an ISO timestamp: none needs escaping inside a JSON string.
    const field = (path: string) => EventField.fromPath(path);
    const change = `{"imageId":"${field('$.detail.data.imageId')}","detailType":"${field('$.detail-type')}","occurredAt":"${field('$.detail.occurredAt')}"}`;
    // Imported by ARN, as the pipeline's rules do: the Foundation's queue policy already lets
    // any rule of the account dead-letter there, and a statement naming this rule would make
    // the Foundation depend on this stack (a cycle through the Delivery stack).
    const deadLetterQueue = Queue.fromQueueAttributes(this, 'RuleTargetsDlq', {
      queueArn: props.deadLetterQueue.queueArn,
      queueUrl: props.deadLetterQueue.queueUrl,
    });
    this.rule = new Rule(this, 'ImageChangesToRealtime', {
      eventBus: props.eventBus,
      description: "Every change of an image's history: push it to its owner's live channel.",
      eventPattern: toCdkEventPattern(history.eventPattern),
      targets: [
        new ApiDestinationTarget(destination, {
          event: RuleTargetInput.fromObject({ channel: `/${IMAGE_CHANGES_NAMESPACE}/${field('$.detail.data.userId')}`, events: [change] }),
          deadLetterQueue,
          ...RULE_TARGET_RETRY,
        }),
      ],
    });

    this.webConfig = { kind: 'appsync-events', httpDomain: this.api.httpDns, realtimeDomain: this.api.realtimeDns };
  }
}

/** The fields of an {@link ImageChange} the publisher sends (a spec checks the template sends exactly these). */
export const PUBLISHED_CHANGE_FIELDS = ['imageId', 'detailType', 'occurredAt'] as const satisfies readonly (keyof ImageChange)[];
