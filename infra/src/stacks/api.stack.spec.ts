import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';
import { API_ROUTES } from '@imgpipe/workflow';
import { CAPACITY_DEFAULTS } from '@imgpipe/infra-shared';
import { UPLOADS_ROUTE_KEY } from './api.stack';

// Written out, not read from API_ROUTES: the template must carry these, whatever the list says.
const ROUTE_KEYS = ['POST /uploads', 'GET /images', 'GET /images/{id}', 'GET /images/{id}/original', 'DELETE /images/{id}', 'POST /images/{id}/restore'];

describe('ApiStack with its own Cognito user pool', () => {
  const stacks = buildApp(testApp({ 'imgpipe:webOrigins': 'https://app.example' }), { nag: false });
  const template = Template.fromStack(stacks.api);

  it('routes exactly the ingest routes (restore included), each behind the JWT authorizer, to the ingest HTTP handler', () => {
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
      IntegrationUri: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'imgpipe-dev-ingest', OutputName: Match.stringLikeRegexp('IngestHttpApi[0-9A-F]{8}Arn') }) },
    });
  });

  it('creates a route for every entry of API_ROUTES, so a route added there reaches AWS with no infra change', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r['Properties'] as { RouteKey: string }).RouteKey);
    expect(routeKeys.sort()).toEqual(API_ROUTES.map((route) => route.routeKey).sort());
    expect(API_ROUTES.find((route) => route.name === 'restoreImage')?.routeKey).toBe('POST /images/{id}/restore');
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
  });

  it('signs the web UI in through the hosted sign-in: a public client, code flow only, back to the distribution', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: Match.arrayEquals(['openid', 'email', 'profile']),
      SupportedIdentityProviders: ['COGNITO'],
    });
    const client = Object.values(template.findResources('AWS::Cognito::UserPoolClient'))[0]?.['Properties'] as {
      CallbackURLs: unknown[];
      LogoutURLs: unknown[];
    };
    for (const urls of [client.CallbackURLs, client.LogoutURLs]) {
      expect(urls).toHaveLength(1);
      expect(JSON.stringify(urls[0])).toMatch(/"https:\/\/",\{"Fn::GetStackOutput":\{"StackName":"imgpipe-dev-delivery".*DomainName.*\},"\/"/);
    }
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['imgpipe-dev-', { Ref: 'AWS::AccountId' }]] },
    });
  });

  it('writes the UI\'s config.json beside the UI: this API, the hosted sign-in, no stream or stats, the push service, the pipeline dashboard', () => {
    const userPool = Object.keys(template.findResources('AWS::Cognito::UserPool'))[0];
    const client = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'))[0];
    const domain = Object.keys(template.findResources('AWS::Cognito::UserPoolDomain'))[0];
    const hostedUi = (path: string) => ({
      'Fn::Join': ['', ['https://', { Ref: domain }, '.auth.', { Ref: 'AWS::Region' }, `.amazoncognito.com${path}`]],
    });
    expect(stacks.api.resolve(stacks.api.webConfig)).toEqual({
      apiBaseUrl: { 'Fn::GetAtt': [expect.stringMatching(/^HttpApi/), 'ApiEndpoint'] },
      cdnBaseUrl: '',
      auth: {
        kind: 'oidc',
        issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: userPool }]] },
        clientId: { Ref: client },
        scopes: ['openid', 'email', 'profile'],
        authorizationEndpoint: hostedUi('/oauth2/authorize'),
        tokenEndpoint: hostedUi('/oauth2/token'),
        logoutEndpoint: hostedUi('/logout'),
      },
      eventsUrl: null,
      statsUrl: null,
      dashboardUrl: {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: 'AWS::Region' },
            '.console.',
            { Ref: 'AWS::URLSuffix' },
            '/cloudwatch/home?region=',
            { Ref: 'AWS::Region' },
            '#dashboards/dashboard/imgpipe-dev-pipeline',
          ],
        ],
      },
      realtime: {
        kind: 'appsync-events',
        httpDomain: { 'Fn::GetAtt': [expect.stringMatching(/^RealtimeApi/), 'Dns.Http'] },
        realtimeDomain: { 'Fn::GetAtt': [expect.stringMatching(/^RealtimeApi/), 'Dns.Realtime'] },
      },
    });
    const deliveryOutput = (name: RegExp) => ({
      'Fn::GetStackOutput': { StackName: 'imgpipe-dev-delivery', Region: { Ref: 'AWS::Region' }, OutputName: expect.stringMatching(name) },
    });
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployment?.['Properties']).toMatchObject({
      DestinationBucketName: deliveryOutput(/Web/),
      DistributionId: deliveryOutput(/Cdn/),
      DistributionPaths: ['/config.json'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    // The deploy-time values are filled into the JSON by the deployment (markers), not at synth.
    expect(Object.values((deployment?.['Properties'] as { SourceMarkers: object[] }).SourceMarkers[0] ?? {})).toEqual(
      expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/^HttpApi/), 'ApiEndpoint'] }, { Ref: client }]),
    );
  });

  it('throttles every route at the stage and writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: CAPACITY_DEFAULTS.apiRateLimit, ThrottlingBurstLimit: CAPACITY_DEFAULTS.apiBurstLimit },
      RouteSettings: {
        [UPLOADS_ROUTE_KEY]: {
          ThrottlingRateLimit: CAPACITY_DEFAULTS.uploadsRouteRateLimit,
          ThrottlingBurstLimit: CAPACITY_DEFAULTS.uploadsRouteBurstLimit,
        },
      },
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
    expect(permissions).toHaveLength(ROUTE_KEYS.length);
    for (const permission of permissions) {
      expect(permission['Properties']).toMatchObject({ Principal: 'apigateway.amazonaws.com', Action: 'lambda:InvokeFunction' });
      expect(JSON.stringify(permission['Properties'])).toMatch(/:execute-api:.*\{"Ref":"HttpApi[0-9A-F]{8}"\}/);
    }
  });

  it('prints the URL and the user pool ids', () => {
    // Besides the API id published for the Observability stack's 5xx alarm (a weak cross-stack reference).
    const outputs = Object.keys(template.findOutputs('*')).filter((name) => !name.startsWith('PublishOutputRefHttpApi'));
    expect(outputs.sort()).toEqual(['ApiUrl', 'SignInUrl', 'UserPoolClientId', 'UserPoolId']);
  });
});

describe('ApiStack with the defaults', () => {
  const stacks = buildApp(testApp(), { nag: false });

  it('allows CORS from the distribution that serves the UI, not from anywhere', () => {
    const api = Object.values(Template.fromStack(stacks.api).findResources('AWS::ApiGatewayV2::Api'))[0]?.['Properties'] as {
      CorsConfiguration: { AllowOrigins: unknown[] };
    };
    expect(api.CorsConfiguration.AllowOrigins).toEqual([
      {
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetStackOutput': expect.objectContaining({ StackName: 'imgpipe-dev-delivery', OutputName: expect.stringMatching(/DomainName/) }) }],
        ],
      },
    ]);
  });

  it('takes a sign-in domain prefix and extra callback URLs from context, and refuses a prefix Cognito would', () => {
    const custom = buildApp(
      testApp({ 'imgpipe:signInDomainPrefix': 'acme-images', 'imgpipe:signInCallbackUrls': 'http://localhost:3000/' }),
      { nag: false },
    );
    const template = Template.fromStack(custom.api);
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-images' });
    const client = Object.values(template.findResources('AWS::Cognito::UserPoolClient'))[0]?.['Properties'] as { CallbackURLs: unknown[] };
    expect(client.CallbackURLs).toHaveLength(2);
    expect(client.CallbackURLs[1]).toBe('http://localhost:3000/');
    expect(() => buildApp(testApp({ 'imgpipe:signInDomainPrefix': 'my-cognito' }), { nag: false })).toThrow(/imgpipe:signInDomainPrefix/);
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

  it('tells the UI to sign in with that issuer (endpoints from its discovery document), as the first audience', () => {
    expect(stacks.api.resolve(stacks.api.webConfig.auth)).toEqual({
      kind: 'oidc',
      issuer: 'https://auth.example/realms/imgpipe',
      clientId: 'web',
      scopes: ['openid', 'email', 'profile'],
    });
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
