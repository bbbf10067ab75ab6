import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';
import { API_THROTTLE } from './api.stack';

const ROUTE_KEYS = ['POST /uploads', 'GET /images', 'GET /images/{id}', 'DELETE /images/{id}'];

describe('ApiStack with its own Cognito user pool', () => {
  const stacks = buildApp(testApp({ 'imgpipe:webOrigins': 'https://app.example' }), { nag: false });
  const template = Template.fromStack(stacks.api);

  it('routes exactly the four ingest routes, each behind the JWT authorizer, to the ingest HTTP handler', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r['Properties'] as { RouteKey: string; AuthorizationType: string; AuthorizerId: unknown; Target: unknown },
    );
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([...ROUTE_KEYS].sort());
    for (const route of routes) {
      expect(route.AuthorizationType).toBe('JWT');
      expect(route.AuthorizerId).toEqual({ Ref: expect.stringMatching(/^HttpApiJwt/) });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'ImgpipeIngest', OutputName: Match.stringLikeRegexp('IngestHttpApi[0-9A-F]{8}Arn') }) },
    });
  });

  it('validates tokens of the user pool it creates, for its web client', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: Match.stringLikeRegexp('^UsersWebClient') }],
        Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: Match.stringLikeRegexp('^Users') }]] },
      },
    });
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        DeletionProtection: 'ACTIVE',
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
      }),
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: false,
    });
  });

  it('throttles every route at the stage and writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: API_THROTTLE.rateLimit, ThrottlingBurstLimit: API_THROTTLE.burstLimit },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AccessLogs'), 'Arn'] }, Format: Match.stringLikeRegexp('"routeKey":"\\$context.routeKey"') },
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]?.['Properties'] as { AccessLogSettings: { Format: string } };
    expect(() => JSON.parse(stage.AccessLogSettings.Format) as unknown).not.toThrow();
  });

  it('allows CORS from the web origin given by context only', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://app.example'],
        AllowMethods: ['GET', 'POST', 'DELETE'],
        AllowHeaders: ['authorization', 'content-type'],
      },
    });
  });

  it('lets API Gateway invoke the handler from this API only', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(4);
    for (const permission of permissions) {
      expect(permission['Properties']).toMatchObject({ Principal: 'apigateway.amazonaws.com', Action: 'lambda:InvokeFunction' });
      expect(JSON.stringify(permission['Properties'])).toMatch(/:execute-api:.*\{"Ref":"HttpApi[0-9A-F]{8}"\}/);
    }
  });

  it('prints the URL and the user pool ids', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['ApiUrl', 'UserPoolClientId', 'UserPoolId']);
  });
});

describe('ApiStack with an issuer given by context', () => {
  const stacks = buildApp(
    testApp({ 'imgpipe:jwtIssuer': 'https://auth.example/realms/imgpipe', 'imgpipe:jwtAudience': 'web,cli' }),
    { nag: false },
  );
  const template = Template.fromStack(stacks.api);

  it('trusts that issuer and audience, and creates no user pool', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://auth.example/realms/imgpipe', Audience: ['web', 'cli'] },
    });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
  });

  it('refuses an issuer without an audience at synth', () => {
    expect(() => buildApp(testApp({ 'imgpipe:jwtIssuer': 'https://auth.example' }), { nag: false })).toThrow(/imgpipe:jwtAudience/);
  });

  it('refuses a plain-HTTP issuer', () => {
    expect(() =>
      buildApp(testApp({ 'imgpipe:jwtIssuer': 'http://auth.example', 'imgpipe:jwtAudience': 'web' }), { nag: false }),
    ).toThrow(/imgpipe:jwtIssuer/);
  });
});
