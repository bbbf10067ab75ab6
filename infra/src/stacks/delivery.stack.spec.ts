import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { buildApp } from '../app';
import { defined } from '../testing/iam';
import { testApp } from '../testing/test-app';
import { DeliveryStack, WEB_CONFIG_FILE } from './delivery.stack';

const stacks = buildApp(testApp(), { nag: false });
const template = Template.fromStack(stacks.delivery);
const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]?.['Properties'] as {
  DistributionConfig: {
    Origins: { Id: string; DomainName: unknown; OriginAccessControlId?: unknown }[];
    CacheBehaviors: { PathPattern: string; TargetOriginId: string; CachePolicyId: unknown; FunctionAssociations: unknown[]; ResponseHeadersPolicyId: unknown; ViewerProtocolPolicy: string }[];
    DefaultCacheBehavior: { TargetOriginId: string; ResponseHeadersPolicyId: unknown; ViewerProtocolPolicy: string };
  };
};
const config = distribution.DistributionConfig;
const originOf = (id: string) => defined(config.Origins.find((o) => o.Id === id), `origin ${id}`);

describe('DeliveryStack', () => {
  it('serves compressed/ and thumbnails/ from the processed bucket through Origin Access Control', () => {
    expect(config.CacheBehaviors.map((b) => b.PathPattern).sort()).toEqual(['/compressed/*', '/thumbnails/*']);
    for (const behavior of config.CacheBehaviors) {
      const origin = originOf(behavior.TargetOriginId);
      expect(JSON.stringify(origin.DomainName)).toMatch(/Processed[0-9A-F]{8}RegionalDomainName/);
      expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/OriginAccessControl/), 'Id'] });
      expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    }
    template.resourcePropertiesCountIs('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }) }, 2);
  });

  it('runs the format negotiation as a cloudfront-js-2.0 viewer-request function on the image behaviours', () => {
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
      FunctionCode: Match.stringLikeRegexp('function handler\\(event\\)'),
    });
    for (const behavior of config.CacheBehaviors) {
      expect(behavior.FunctionAssociations).toEqual([
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/^NegotiateFormat/), 'FunctionARN'] } },
      ]);
    }
  });

  it('negotiates among the formats each URL names, so a change of COMPRESS_FORMATS needs no change of the CDN', () => {
    const functionCode = (built: typeof stacks) =>
      (Object.values(Template.fromStack(built.delivery).findResources('AWS::CloudFront::Function'))[0]?.['Properties'] as { FunctionCode: string }).FunctionCode;
    expect(functionCode(stacks)).not.toContain('AVAILABLE_FORMATS');

    const withAvif = buildApp(testApp(), { nag: false, compress: { formats: ['avif', 'webp'] } });
    expect(functionCode(withAvif)).toBe(functionCode(stacks));
    expect(JSON.stringify(Template.fromStack(withAvif.compress).findResources('AWS::Lambda::Function'))).toContain('"COMPRESS_FORMATS":"avif,webp"');
  });

  it('gives RecordMetadata the CDN domain for the delivery record and the distribution it invalidates', () => {
    const record = Object.values(Template.fromStack(stacks.metadata).findResources('AWS::Lambda::Function')).find((fn) =>
      JSON.stringify(fn).includes('(task RecordMetadata)'),
    );
    const variables = JSON.stringify((record?.['Properties'] as { Environment?: unknown } | undefined)?.Environment);
    expect(variables).toContain('CDN_BASE_URL');
    expect(variables).toContain('CDN_DISTRIBUTION_ID');
    expect(JSON.stringify(Template.fromStack(stacks.metadata).toJSON())).toContain('cloudfront:CreateInvalidation');
  });

  it('keys the image cache on the normalised format header, not on Accept, cookies or query strings', () => {
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['x-imgpipe-format'] },
          CookiesConfig: { CookieBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'none' },
        }),
      }),
    });
    expect(JSON.stringify(template.findResources('AWS::CloudFront::CachePolicy')).toLowerCase()).not.toContain('"accept"');
    for (const behavior of config.CacheBehaviors) expect(behavior.CachePolicyId).toEqual({ Ref: expect.stringMatching(/^ImageCache/) });
  });

  it('adds security headers to every response', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 730 * 24 * 3600, IncludeSubdomains: true }),
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: Match.objectLike({ ReferrerPolicy: 'strict-origin-when-cross-origin' }),
          ContentSecurityPolicy: Match.objectLike({ ContentSecurityPolicy: Match.stringLikeRegexp("frame-ancestors 'none'") }),
        }),
      }),
    });
    const policies = template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
    for (const behavior of [...config.CacheBehaviors, config.DefaultCacheBehavior]) {
      const id = (behavior.ResponseHeadersPolicyId as { Ref: string }).Ref;
      expect(policies[id]).toMatchObject({
        Properties: { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: { FrameOptions: { FrameOption: 'DENY' } } } },
      });
    }
  });

  it('sends Vary: Accept with the format-negotiated compressed images only', () => {
    const policies = template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
    const customHeaders = (pattern: string | undefined) => {
      const behavior = pattern ? config.CacheBehaviors.find((b) => b.PathPattern === pattern) : config.DefaultCacheBehavior;
      const id = (defined(behavior, `behaviour ${pattern}`).ResponseHeadersPolicyId as { Ref: string }).Ref;
      const policy = policies[id]?.['Properties'] as { ResponseHeadersPolicyConfig: { CustomHeadersConfig?: { Items: unknown[] } } };
      return policy.ResponseHeadersPolicyConfig.CustomHeadersConfig?.Items ?? [];
    };
    expect(customHeaders('/compressed/*')).toEqual([{ Header: 'Vary', Value: 'Accept', Override: true }]);
    expect(customHeaders('/thumbnails/*')).toEqual([]);
    expect(customHeaders(undefined)).toEqual([]);
  });

  it('hosts the web UI from its own private bucket as the default behaviour, readable by this distribution only', () => {
    expect(JSON.stringify(originOf(config.DefaultCacheBehavior.TargetOriginId).DomainName)).toMatch(/"Web[0-9A-F]{8}","RegionalDomainName"/);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^Web') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: { StringEquals: { 'AWS:SourceArn': Match.objectLike({ 'Fn::Join': Match.anyValue() }) } },
          }),
        ]),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::S3::BucketPolicy'))).toMatch(/distribution\/",\{"Ref":"Cdn[0-9A-F]{8}"\}/);
  });

  it('deploys the built UI and invalidates it', () => {
    // A clean checkout has no apps/web/dist: build a stand-in so the test does not depend on it.
    const dist = mkdtempSync(join(tmpdir(), 'imgpipe-web-dist-'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>imgpipe</title>');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const bucket = new Bucket(new Stack(app, 'Data'), 'Processed');
    const stack = new DeliveryStack(app, 'WithWeb', { processed: bucket, webDistDir: dist });

    expect(stack.webDeployed).toBe(true);
    Template.fromStack(stack).hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('^Web') },
      DistributionPaths: ['/*'],
      // config.json is the Api stack's: a UI deploy neither uploads nor prunes it.
      Exclude: [WEB_CONFIG_FILE],
    });
  });

  it('skips the UI deployment, with a note, when apps/web/dist is missing', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const bucket = new Bucket(new Stack(app, 'Data'), 'Processed');
    const stack = new DeliveryStack(app, 'NoWeb', { processed: bucket, webDistDir: '/nonexistent/dist' });
    expect(stack.webDeployed).toBe(false);
    Template.fromStack(stack).resourceCountIs('Custom::CDKBucketDeployment', 0);
    const notes = app.synth().getStackByName('NoWeb').messages.map((m) => String(m.entry.data));
    expect(notes.some((n) => n.includes('apps/web/dist not built'))).toBe(true);
  });

  it('logs requests to a bucket of its own', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ Logging: { Bucket: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Logs'), 'RegionalDomainName'] }, Prefix: 'cdn/' } }),
    });
  });
});

describe('FoundationStack: CloudFront read of the derivatives', () => {
  it('grants this account\'s distributions s3:GetObject on compressed/* and thumbnails/* of the processed bucket only', () => {
    const foundation = Template.fromStack(stacks.foundation);
    foundation.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^Processed') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudFrontOacReadDerivatives',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
    const policies = JSON.stringify(foundation.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toContain('/compressed/*');
    expect(policies).toContain('/thumbnails/*');
    expect(policies).not.toMatch(/cloudfront[^]*uploads\//);
  });
});
