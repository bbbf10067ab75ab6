import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnStage, CorsHttpMethod, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import {
  AccountRecovery,
  OAuthScope,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolEmail,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { WebConfig } from '@imgpipe/contracts/views';
import type { Construct } from 'constructs';
import { API_METHODS, API_ROUTES } from '@imgpipe/workflow';
import { acknowledgeWildcardResources, stagedName, type InfraConfig } from '@imgpipe/infra-shared';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { ImageChangesRealtime } from '../realtime/image-changes-realtime.construct';
import { acknowledgeBucketDeployment, WEB_CONFIG_FILE } from './delivery.stack';

/**
 * Stage throttling (every route, all callers together) comes from `imgpipe:apiRateLimit` /
 * `imgpipe:apiBurstLimit` (defaults 500 rps, burst 1,000: a 1,000-upload burst asks for 1,000
 * grants at once), and `POST /uploads` has its own, lower rate (`imgpipe:uploadsRoute*`), so
 * a burst of uploads leaves the stage room for list and get. The table these give is in
 * docs/deploy.md (infra/scripts/capacity.ts).
 *
 * Not here: a per-user limit. HTTP APIs have no usage plans and AWS WAF cannot be attached to
 * them; the design for it (the API behind the CloudFront distribution with a WAF rate-based
 * rule keyed on the Authorization header) is in docs/deploy.md, "Capacity".
 */
export const UPLOADS_ROUTE_KEY = routeKeyOf('createUpload');

function routeKeyOf(name: (typeof API_ROUTES)[number]['name']): string {
  const route = API_ROUTES.find((r) => r.name === name);
  if (!route) throw new Error(`no API route named ${name}`);
  return route.routeKey;
}

/** JSON access log lines (HTTP API `$context` variables): who called which route, and why it failed. */
export const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    sub: '$context.authorizer.claims.sub',
    authorizerError: '$context.authorizer.error',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/** The scopes the web UI asks for: an ID token with the user's email for the header. */
export const WEB_SIGN_IN_SCOPES = ['openid', 'email', 'profile'] as const;

/** The UI's hosting (Delivery stack): where it is served and where its runtime configuration goes. */
export interface WebHosting {
  /** `https://<distribution domain>`: the sign-in callback and the API's CORS origin. */
  readonly origin: string;
  readonly bucket: IBucket;
  readonly distribution: IDistribution;
}

export interface ApiStackProps extends StackProps {
  readonly config: InfraConfig;
  /** Ingest's HTTP API handler. */
  readonly handler: IFunction;
  /** The web UI: this stack writes its `config.json` (API URL, sign-in) and lets it call the API. */
  readonly web: WebHosting;
  /** The CloudWatch dashboard the UI links for the pipeline's figures (it has no stats route on AWS). */
  readonly dashboardName?: string;
  /**
   * The UI's live updates: image changes on this bus are pushed to their owners through an
   * AppSync Events API ({@link ImageChangesRealtime}), undeliverable ones to the DLQ. Created
   * with this stack's own user pool only (an external issuer's `sub` may name no channel).
   */
  readonly realtime?: { readonly eventBus: IEventBus; readonly deadLetterQueue: IQueue };
}

/**
 * The upload API: an HTTP API whose routes (`API_ROUTES` of `@imgpipe/workflow`) go to
 * ingest's one HTTP handler, behind a JWT authorizer (tokens of a Cognito user pool this
 * stack creates, or of the issuer given with `-c imgpipe:jwtIssuer=... -c
 * imgpipe:jwtAudience=...`), throttled at the stage, with CORS for the web origins and JSON
 * access logs.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** Present when the stack created the issuer. */
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  /** What `config.json` tells the UI (tokens resolved at deploy time). */
  readonly webConfig: WebConfig;
  /** The UI's push service, when `realtime` was given and this stack created the user pool. */
  readonly realtime?: ImageChangesRealtime;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;

    let issuer: string;
    let audience: string[];
    let domain: UserPoolDomain | undefined;
    if (config.jwt.kind === 'external') {
      issuer = config.jwt.issuer;
      audience = [...config.jwt.audience];
    } else {
      const userPool = new UserPool(this, 'Users', {
        selfSignUpEnabled: true,
        signInAliases: { email: true },
        autoVerify: { email: true },
        accountRecovery: AccountRecovery.EMAIL_ONLY,
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
          tempPasswordValidity: Duration.days(3),
        },
        deletionProtection: true,
        // Cognito's own sender allows 50 emails a day; production sends through SES.
        ...(config.cognitoSesFromEmail ? { email: UserPoolEmail.withSES({ fromEmail: config.cognitoSesFromEmail, sesRegion: this.region }) } : {}),
        // The users are state: never deleted with the stack.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // Cognito's hosted sign-in (sign-up, password reset, email codes) at
      // https://<prefix>.auth.<region>.amazoncognito.com; the prefix is unique per region.
      domain = userPool.addDomain('SignIn', {
        cognitoDomain: { domainPrefix: config.signInDomainPrefix ?? stagedName(config.stage, this.account) },
      });
      const callback = `${props.web.origin}/`;
      const client = userPool.addClient('WebClient', {
        // A browser app cannot keep a secret: a public client. The UI signs in with the
        // authorization code flow and PKCE (S256) through the hosted sign-in; SRP stays
        // available to scripts and the CLI.
        generateSecret: false,
        authFlows: { userSrp: true },
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
          callbackUrls: [callback, ...config.extraSignInCallbackUrls],
          logoutUrls: [callback, ...config.extraSignInCallbackUrls],
        },
        supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
        preventUserExistenceErrors: true,
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.days(30),
      });
      Validations.of(userPool).acknowledge(
        {
          id: 'AwsSolutions-COG2',
          reason:
            'MFA is left to the user: imgpipe is a consumer upload service where required MFA would bar most sign-ups; the pool enforces a 12-character, four-class password policy and email verification instead.',
        },
        ...['AwsSolutions-COG3', 'AwsSolutions-COG8'].map((ruleId) => ({
          id: ruleId,
          reason:
            'Threat protection ("advanced security") needs the Cognito Plus feature plan, a per-user cost not justified for an image pipeline holding no payment data and no personal data beyond an email; a deployment that wants it can pass its own issuer (imgpipe:jwtIssuer).',
        })),
      );
      issuer = `https://cognito-idp.${this.region}.amazonaws.com/${userPool.userPoolId}`;
      audience = [client.userPoolClientId];
      this.userPool = userPool;
      this.userPoolClient = client;
      new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
      new CfnOutput(this, 'SignInUrl', { value: domain.baseUrl() });
      if (props.realtime) {
        this.realtime = new ImageChangesRealtime(this, 'Realtime', {
          stage: config.stage,
          userPool,
          userPoolClient: client,
          eventBus: props.realtime.eventBus,
          deadLetterQueue: props.realtime.deadLetterQueue,
        });
      }
    }

    const authorizer = new HttpJwtAuthorizer('Jwt', issuer, { jwtAudience: audience });
    this.api = new HttpApi(this, 'HttpApi', {
      // Not unique in API Gateway, but what the console and the CLI list: one per stage.
      apiName: stagedName(config.stage, 'api'),
      description: 'imgpipe upload API (presigned uploads, my images)',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      corsPreflight: {
        // The UI's own origin unless the deployment names its origins.
        allowOrigins: config.webOrigins ? [...config.webOrigins] : [props.web.origin],
        // The methods the routes use, in API_METHODS order.
        allowMethods: API_METHODS.filter((method) => API_ROUTES.some((route) => route.method === method)).map(
          (method) => CorsHttpMethod[method],
        ),
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });
    // The routes ingest's router serves (`API_ROUTES` of @imgpipe/workflow), all to its one HTTP function.
    const integration = new HttpLambdaIntegration('Ingest', props.handler);
    const routes: HttpRoute[] = [];
    for (const route of API_ROUTES) {
      routes.push(...this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration }));
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.capacity.apiRateLimit, burstLimit: config.capacity.apiBurstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });
    // Route settings name a route key, which must exist before the stage refers to it.
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = {
      [UPLOADS_ROUTE_KEY]: {
        ThrottlingRateLimit: config.capacity.uploadsRouteRateLimit,
        ThrottlingBurstLimit: config.capacity.uploadsRouteBurstLimit,
      },
    };
    for (const route of routes) this.stage.node.addDependency(route);

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url });

    // The UI's runtime configuration: written beside the UI (the Delivery stack's UI
    // deployment excludes this file, so neither deploy undoes the other) and invalidated.
    this.webConfig = webConfigFor({
      apiBaseUrl: this.api.apiEndpoint,
      auth:
        config.jwt.kind === 'external'
          ? { kind: 'oidc', issuer, clientId: audience[0] ?? '', scopes: [...WEB_SIGN_IN_SCOPES] }
          : {
              kind: 'oidc',
              issuer,
              clientId: audience[0] ?? '',
              scopes: [...WEB_SIGN_IN_SCOPES],
              authorizationEndpoint: `${domain?.baseUrl() ?? ''}/oauth2/authorize`,
              tokenEndpoint: `${domain?.baseUrl() ?? ''}/oauth2/token`,
              logoutEndpoint: `${domain?.baseUrl() ?? ''}/logout`,
            },
      ...(props.dashboardName
        ? { dashboardUrl: `https://${this.region}.console.${this.urlSuffix}/cloudwatch/home?region=${this.region}#dashboards/dashboard/${props.dashboardName}` }
        : {}),
      ...(this.realtime ? { realtime: this.realtime.webConfig } : {}),
    });
    const deployment = new BucketDeployment(this, 'WebConfig', {
      sources: [Source.jsonData(WEB_CONFIG_FILE, this.webConfig)],
      destinationBucket: props.web.bucket,
      // Only this one file: never prune the UI the Delivery stack put there.
      prune: false,
      distribution: props.web.distribution,
      distributionPaths: [`/${WEB_CONFIG_FILE}`],
      // Read on every page load: browsers revalidate it, so a new API or client id is seen at once.
      cacheControl: [CacheControl.noCache()],
      memoryLimit: 256,
    });
    acknowledgeBucketDeployment(this, deployment);
    // Its write grant on the web bucket's objects names the bucket through the Delivery stack's output.
    const deliveryStack = Stack.of(props.web.bucket).stackName;
    acknowledgeWildcardResources(this, (resource) => resource.includes(`"StackName":"${deliveryStack}"`) && resource.endsWith('/*'), {
      reason:
        "The CDK-provided BucketDeployment handler writes config.json into the web bucket (Delivery stack); its grant is on that bucket's objects only.",
    });
  }
}

/**
 * The `config.json` of a deployed UI: the API on its own domain, images from the root of the
 * UI's own distribution, OIDC sign-in; no event stream and no stats route on AWS: live
 * updates come from the push service (`realtime`), the figures are on the CloudWatch dashboard.
 */
export function webConfigFor(parts: Pick<WebConfig, 'apiBaseUrl' | 'auth' | 'dashboardUrl' | 'realtime'>): WebConfig {
  return {
    apiBaseUrl: parts.apiBaseUrl,
    cdnBaseUrl: '',
    auth: parts.auth,
    eventsUrl: null,
    statsUrl: null,
    ...(parts.dashboardUrl ? { dashboardUrl: parts.dashboardUrl } : {}),
    ...(parts.realtime ? { realtime: parts.realtime } : {}),
  };
}
