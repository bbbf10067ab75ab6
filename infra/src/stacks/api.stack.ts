import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccountRecovery, UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_METHODS, API_ROUTES } from '@imgpipe/workflow';
import type { InfraConfig } from '../config';

/**
 * Default route throttling of the stage (every route, all callers together): a steady 50
 * requests/s with bursts of 100. A user issues a handful of requests per upload, so this is
 * generous for the UI and still caps what a leaked token or a runaway client can cost.
 */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

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

export interface ApiStackProps extends StackProps {
  readonly config: InfraConfig;
  /** Ingest's HTTP API handler. */
  readonly handler: IFunction;
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

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;

    let issuer: string;
    let audience: string[];
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
        // The users are state: never deleted with the stack.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const client = userPool.addClient('WebClient', {
        // A browser app cannot keep a secret: a public client with SRP sign-in.
        generateSecret: false,
        authFlows: { userSrp: true },
        // Sign-in is SRP from the web UI; no hosted UI, so no OAuth flows or callback URLs.
        disableOAuth: true,
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
    }

    const authorizer = new HttpJwtAuthorizer('Jwt', issuer, { jwtAudience: audience });
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'imgpipe upload API (presigned uploads, my images)',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      corsPreflight: {
        allowOrigins: [...config.webOrigins],
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
    for (const route of API_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...API_THROTTLE },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url });
  }
}
