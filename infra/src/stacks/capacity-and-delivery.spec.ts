import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { ASYNC_INVOKE_RETRY, CAPACITY_DEFAULTS, type ImgpipeFunction } from '@imgpipe/infra-shared';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';
import { UPLOADS_ROUTE_KEY } from './api.stack';

const stacks = buildApp(testApp(), { nag: false });

function logicalId(fn: ImgpipeFunction): string {
  return Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnFunction);
}

describe('nothing dropped: every asynchronously invoked function keeps what Lambda gives up on', () => {
  const asyncFunctions = {
    onObjectCreated: stacks.ingest.service.onObjectCreated,
    onPipelineEvent: stacks.metadata.service.onPipelineEvent,
    purgeDeleted: stacks.metadata.service.purgeDeleted,
    addAvifVariant: stacks.compress.service.addAvifVariant,
  };

  it.each(Object.entries(asyncFunctions))('%s: an on-failure SQS destination (the async-invokes DLQ), 2 retries, a max event age', (_name, fn) => {
    const template = Template.fromStack(Stack.of(fn));

    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(fn) },
      MaximumRetryAttempts: ASYNC_INVOKE_RETRY.retryAttempts,
      MaximumEventAgeInSeconds: ASYNC_INVOKE_RETRY.maxEventAge.toSeconds(),
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('AsyncInvokesDlq') }) } },
      },
    });
    // ... and may send to that queue.
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toMatch(/"Action":"sqs:SendMessage","Effect":"Allow","Resource":\{"Fn::GetStackOutput":.{0,200}?AsyncInvokesDlq/);
  });

  it('and only those: the synchronously invoked functions (API, state machine tasks) have no async config', () => {
    for (const fn of [stacks.ingest.service.httpApi, stacks.compress.service.fn, stacks.metadata.service.recordMetadata]) {
      const configs = Template.fromStack(Stack.of(fn)).findResources('AWS::Lambda::EventInvokeConfig', {
        Properties: { FunctionName: { Ref: logicalId(fn) } },
      });
      expect(Object.keys(configs)).toEqual([]);
    }
  });
});

describe('capacity by design', () => {
  it('reserves concurrency for the API function, so a processing burst cannot starve it', () => {
    Template.fromStack(stacks.ingest).hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('upload API'),
      ReservedConcurrentExecutions: CAPACITY_DEFAULTS.apiReservedConcurrency,
    });
  });

  it('sizes the stage and the uploads route from the knobs, and creates the routes before the stage names one', () => {
    const knobs = {
      'imgpipe:apiRateLimit': 900,
      'imgpipe:apiBurstLimit': 2000,
      'imgpipe:uploadsRouteRateLimit': 700,
      'imgpipe:uploadsRouteBurstLimit': 1500,
      'imgpipe:apiReservedConcurrency': 321,
    };
    const sized = buildApp(testApp(knobs), { nag: false });
    const api = Template.fromStack(sized.api);

    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 900, ThrottlingBurstLimit: 2000 },
      RouteSettings: { [UPLOADS_ROUTE_KEY]: { ThrottlingRateLimit: 700, ThrottlingBurstLimit: 1500 } },
    });
    const [stage] = Object.values(api.findResources('AWS::ApiGatewayV2::Stage'));
    const routes = Object.keys(api.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.length).toBeGreaterThan(0);
    expect(stage?.['DependsOn']).toEqual(expect.arrayContaining(routes));
    Template.fromStack(sized.ingest).hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('upload API'),
      ReservedConcurrentExecutions: 321,
    });
  });
});

describe('deploys that follow the config', () => {
  it('sends Cognito email through SES when imgpipe:cognitoSesFromEmail is set, and with Cognito’s own sender by default', () => {
    const pool = (t: Template) => Object.values(t.findResources('AWS::Cognito::UserPool'))[0]?.['Properties'] as Record<string, unknown>;
    expect(pool(Template.fromStack(stacks.api))['EmailConfiguration']).toBeUndefined();

    const ses = Template.fromStack(buildApp(testApp({ 'imgpipe:cognitoSesFromEmail': 'no-reply@images.example' }), { nag: false }).api);

    expect(pool(ses)['EmailConfiguration']).toMatchObject({ EmailSendingAccount: 'DEVELOPER', From: 'no-reply@images.example' });
  });

  it('names the bus and the sign-in domain after the stage, so two stages can share an account', () => {
    const prod = buildApp(testApp({ 'imgpipe:stage': 'prod' }), { nag: false });

    Template.fromStack(prod.foundation).hasResourceProperties('AWS::Events::EventBus', { Name: 'imgpipe-prod' });
    Template.fromStack(prod.api).hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['imgpipe-prod-', { Ref: 'AWS::AccountId' }]] },
    });
  });
});
