import { Match, Template } from 'aws-cdk-lib/assertions';
import { eventRules, ruleFor } from '@imgpipe/workflow';
import { IMAGE_CHANGES_NAMESPACE } from '@imgpipe/contracts/views';
import { buildApp } from '../app';
import { REPORT_FINDINGS_CONTEXT, unacknowledgedFindings } from '../testing/nag-report';
import { testApp } from '../testing/test-app';
import { ON_SUBSCRIBE_CODE } from './on-subscribe.code';
import { PUBLISH_RATE_PER_SECOND, PUBLISHED_CHANGE_FIELDS } from './image-changes-realtime.construct';

type Json = Record<string, unknown>;

describe('the UI push service (AppSync Events) in the Api stack', () => {
  const app = testApp(REPORT_FINDINGS_CONTEXT);
  const stacks = buildApp(app);
  const template = Template.fromStack(stacks.api);
  const findings = unacknowledgedFindings(app);

  it('is an Event API named for the stage: Cognito (the web client only) to subscribe, an API key to publish', () => {
    template.hasResourceProperties('AWS::AppSync::Api', {
      Name: 'imgpipe-dev-realtime',
      EventConfig: {
        AuthProviders: Match.arrayWith([
          { AuthType: 'API_KEY' },
          {
            AuthType: 'AMAZON_COGNITO_USER_POOLS',
            CognitoConfig: Match.objectLike({
              UserPoolId: { Ref: Match.stringLikeRegexp('^Users') },
              AppIdClientRegex: { 'Fn::Join': ['', ['^', { Ref: Match.stringLikeRegexp('^UsersWebClient') }, '$']] },
            }),
          },
        ]),
        DefaultPublishAuthModes: [{ AuthType: 'API_KEY' }],
        DefaultSubscribeAuthModes: [{ AuthType: 'AMAZON_COGNITO_USER_POOLS' }],
      },
    });
    template.resourceCountIs('AWS::AppSync::ApiKey', 1);
  });

  it("has one namespace whose subscribers are Cognito users, refused by its handler for any channel but their own", () => {
    template.resourceCountIs('AWS::AppSync::ChannelNamespace', 1);
    template.hasResourceProperties('AWS::AppSync::ChannelNamespace', {
      Name: IMAGE_CHANGES_NAMESPACE,
      CodeHandlers: ON_SUBSCRIBE_CODE,
      PublishAuthModes: [{ AuthType: 'API_KEY' }],
      SubscribeAuthModes: [{ AuthType: 'AMAZON_COGNITO_USER_POOLS' }],
    });
    // An API key can publish but never subscribe: a leaked publisher key reads nobody's changes.
    const namespace = Object.values(template.findResources('AWS::AppSync::ChannelNamespace'))[0]?.['Properties'] as Json;
    expect(JSON.stringify(namespace['SubscribeAuthModes'])).not.toContain('API_KEY');
  });

  it('is fed from the bus by the history rule metadata uses, through an API destination with the API key', () => {
    const history = ruleFor(eventRules({ originalsBucketName: 'any' }), 'metadata');
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r['Properties'] as Json);
    expect(rules).toHaveLength(1);
    const rule = rules[0] as Json;
    expect(rule['EventPattern']).toEqual(history.eventPattern);
    expect(JSON.stringify(rule['EventBusName'])).toContain('EventBus');
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RealtimeApi'), 'ApiKey'] } } },
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: PUBLISH_RATE_PER_SECOND,
      InvocationEndpoint: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^RealtimeApi'), 'Dns.Http'] }, '/event']] },
    });
  });

  it("publishes to the owner's channel the ImageChange fields and nothing else of the image, retried and dead-lettered", () => {
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0]?.['Properties'] as { Targets: Json[] };
    const target = rule.Targets[0] as {
      InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
      RetryPolicy: Json;
      DeadLetterConfig: Json;
    };
    // Exactly the paths the ImageChange and the channel need: no keys, sizes, delivery record or failure reason.
    expect(Object.values(target.InputTransformer.InputPathsMap).sort()).toEqual(
      ['$.detail-type', '$.detail.data.imageId', '$.detail.data.userId', '$.detail.occurredAt'].sort(),
    );
    // What AppSync receives for an event: the template with its placeholders filled in.
    const names = Object.fromEntries(Object.entries(target.InputTransformer.InputPathsMap).map(([name, path]) => [path, name]));
    const values: Record<string, string> = {
      '$.detail-type': 'ImageProcessed',
      '$.detail.data.imageId': 'img-1',
      '$.detail.data.userId': '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      '$.detail.occurredAt': '2026-12-05T12:00:00.000Z',
    };
    let body = target.InputTransformer.InputTemplate;
    for (const [path, value] of Object.entries(values)) body = body.split(`<${names[path]}>`).join(value);
    const published = JSON.parse(body) as { channel: string; events: string[] };
    expect(published.channel).toBe('/images/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b');
    expect(published.events.map((event) => JSON.parse(event) as unknown)).toEqual([
      { imageId: 'img-1', detailType: 'ImageProcessed', occurredAt: '2026-12-05T12:00:00.000Z' },
    ]);
    expect(Object.keys(JSON.parse(published.events[0] ?? '{}') as Json).sort()).toEqual([...PUBLISHED_CHANGE_FIELDS].sort());
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 });
    expect(JSON.stringify(target.DeadLetterConfig)).toContain('RuleTargetsDlq');
  });

  it("writes the push service's domains into the UI's config.json", () => {
    expect(stacks.api.webConfig.realtime?.kind).toBe('appsync-events');
    // The domains are deploy-time values: the config file's markers resolve to the API's DNS attributes.
    const deployment = Object.values(template.findResources('Custom::CDKBucketDeployment'))[0]?.['Properties'] as Json;
    const source = JSON.stringify(deployment['SourceMarkers']);
    expect(source).toContain('Dns.Realtime');
    expect(source).toContain('Dns.Http');
  });

  it('passes cdk-nag: no unacknowledged finding on the push service', () => {
    expect(findings.filter((finding) => finding.paths.some((path) => path.includes('/Realtime')))).toEqual([]);
  });
});

describe('the Api stack with an external issuer', () => {
  it('has no push service (the config says none): the UI keeps its list-call fallback', () => {
    const stacks = buildApp(
      testApp({ 'imgpipe:jwtIssuer': 'https://issuer.example', 'imgpipe:jwtAudience': 'client-1' }),
      { nag: false },
    );
    Template.fromStack(stacks.api).resourceCountIs('AWS::AppSync::Api', 0);
    expect(stacks.api.webConfig.realtime).toBeUndefined();
  });
});
