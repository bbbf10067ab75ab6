import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  CacheHeaderBehavior,
  CacheQueryStringBehavior,
  CacheCookieBehavior,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type ResponseSecurityHeadersBehavior,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, CfnBucket, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { buildCdnFunctionCode } from '../delivery/cdn-function';
import { FORMAT_HEADER } from '../delivery/cdn-request.function';
import { COMPRESSED_PREFIX, REPO_ROOT, THUMBNAILS_PREFIX } from '@imgpipe/infra-shared';

/** The UI's runtime configuration (`WebConfig` of `@imgpipe/contracts/views`), beside `index.html`. */
export const WEB_CONFIG_FILE = 'config.json';

/** Where `apps/web` builds the browser UI; deployed when it exists at synth. */
export const WEB_DIST_DIR = join(REPO_ROOT, 'apps', 'web', 'dist');

export interface DeliveryStackProps extends StackProps {
  /** The processed bucket (derivatives under `compressed/` and `thumbnails/`). */
  readonly processed: IBucket;
  /** The built web UI. @default {@link WEB_DIST_DIR} */
  readonly webDistDir?: string;
}

/**
 * Image delivery and the web UI behind one CloudFront distribution:
 * - `/compressed/*` and `/thumbnails/*` from the processed bucket through Origin Access
 *   Control; a viewer-request CloudFront Function picks the format of `.../full` from
 *   `Accept` with `@imgpipe/delivery`'s `negotiateImageFormat` (the local `/cdn` runs the
 *   same function) and sets `x-imgpipe-format`, and the cache policy keys on that header, so
 *   there is one cache entry per format rather than one per distinct `Accept` string;
 * - everything else from the web UI bucket (`apps/web/dist`, deployed when it was built);
 * - security headers on every response; access logs to a bucket of this stack.
 *
 * The processed bucket is imported by name: the foundation stack's own bucket policy grants
 * this account's distributions read on the derivative prefixes (naming this distribution's
 * ARN there would make the two stacks depend on each other).
 */
export class DeliveryStack extends Stack {
  readonly distribution: Distribution;
  readonly webBucket: Bucket;
  readonly imageCachePolicy: CachePolicy;
  readonly viewerRequestFunction: CloudFrontFunction;
  /** Whether `apps/web/dist` existed at synth and was deployed. */
  readonly webDeployed: boolean;
  /** `https://<distribution domain>`: where the UI is served, the origin its API calls come from. */
  readonly webOrigin: string;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, props);
    const webDistDir = props.webDistDir ?? WEB_DIST_DIR;

    const logs = new Bucket(this, 'Logs', {
      // CloudFront standard logging writes with an ACL, so this bucket keeps ACLs enabled.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access log bucket of the distribution and the web bucket; logging it into itself would loop.',
    });

    this.webBucket = new Bucket(this, 'Web', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'web/',
      // Rebuilt from apps/web on every deploy: nothing in it is state.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const processed = Bucket.fromBucketAttributes(this, 'Processed', {
      bucketName: props.processed.bucketName,
      bucketArn: props.processed.bucketArn,
      bucketRegionalDomainName: props.processed.bucketRegionalDomainName,
    });

    this.viewerRequestFunction = new CloudFrontFunction(this, 'NegotiateFormat', {
      comment: 'imgpipe: Accept -> stored image format (negotiateImageFormat of @imgpipe/delivery)',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(buildCdnFunctionCode()),
    });

    this.imageCachePolicy = new CachePolicy(this, 'ImageCache', {
      comment: 'imgpipe derivatives: immutable objects, one entry per negotiated format',
      headerBehavior: CacheHeaderBehavior.allowList(FORMAT_HEADER),
      queryStringBehavior: CacheQueryStringBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      defaultTtl: Duration.days(1),
      maxTtl: Duration.days(365),
      minTtl: Duration.seconds(0),
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
    });

    const securityHeadersBehavior: ResponseSecurityHeadersBehavior = {
      strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, preload: true, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      contentSecurityPolicy: {
        contentSecurityPolicy:
          "default-src 'self'; img-src 'self' blob: data: https:; connect-src 'self' https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self' https:",
        override: true,
      },
    };
    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'imgpipe: security headers on every response',
      securityHeadersBehavior,
    });
    // `.../full` under compressed/ is one URL whose body depends on Accept. The cache keys on
    // the normalised format, but caches after CloudFront (browsers, corporate proxies) only
    // see the URL: `Vary: Accept` tells them not to hand a WebP answer to a client that
    // asked for JPEG. S3 sends no Vary, so CloudFront adds it (a response headers policy,
    // free, rather than a second function on every image response).
    const negotiatedHeaders = new ResponseHeadersPolicy(this, 'NegotiatedImageHeaders', {
      comment: 'imgpipe: security headers, and Vary: Accept on format-negotiated images',
      securityHeadersBehavior,
      customHeadersBehavior: { customHeaders: [{ header: 'Vary', value: 'Accept', override: true }] },
    });

    const images: BehaviorOptions = {
      origin: S3BucketOrigin.withOriginAccessControl(processed),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: this.imageCachePolicy,
      responseHeadersPolicy: securityHeaders,
      functionAssociations: [{ function: this.viewerRequestFunction, eventType: FunctionEventType.VIEWER_REQUEST }],
      compress: false,
    };
    const negotiatedImages: BehaviorOptions = { ...images, responseHeadersPolicy: negotiatedHeaders };

    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'imgpipe: processed images and the web UI',
      defaultRootObject: 'index.html',
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cdn/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.webBucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
      },
      additionalBehaviors: {
        [`/${COMPRESSED_PREFIX}*`]: negotiatedImages,
        [`/${THUMBNAILS_PREFIX}*`]: images,
      },
    });
    // The imported bucket's policy is the foundation stack's to write (it does: see above).
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      'The foundation stack grants this account\'s distributions s3:GetObject on compressed/* and thumbnails/*.',
    );
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Images and the UI are served worldwide on purpose; there is no market or legal reason to block a country.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Only GET/HEAD of immutable, public derivatives and static UI files go through this distribution (the API is a separate HTTP API with JWT auth and throttling); a WAF web ACL adds cost without a request body to inspect. Attach one by ARN if abuse appears.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the minimum viewer protocol; a custom domain with an ACM certificate (and TLSv1.2_2021) is a deployment choice this app leaves to context.',
      },
    );

    this.webDeployed = existsSync(join(webDistDir, 'index.html'));
    if (this.webDeployed) {
      const deployment = new BucketDeployment(this, 'WebDeployment', {
        sources: [Source.asset(webDistDir)],
        destinationBucket: this.webBucket,
        // The runtime configuration is the Api stack's to write (it knows the API and the
        // sign-in); excluded files are neither uploaded nor pruned, so a UI deploy keeps it.
        exclude: [WEB_CONFIG_FILE],
        distribution: this.distribution,
        distributionPaths: ['/*'],
        memoryLimit: 256,
      });
      acknowledgeBucketDeployment(this, deployment, `<${this.getLogicalId(this.webBucket.node.defaultChild as CfnBucket)}.Arn>/*`);
    } else {
      Annotations.of(this).addInfo(`apps/web/dist not built at synth (${webDistDir}): the web UI is not deployed; run the web build first.`);
    }

    this.webOrigin = `https://${this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'CdnDomainName', { value: this.distribution.distributionDomainName });
    new CfnOutput(this, 'WebUrl', { value: `${this.webOrigin}/` });
    new CfnOutput(this, 'WebBucketName', { value: this.webBucket.bucketName });
  }
}

/**
 * cdk-nag acknowledgements for a CDK-provided `BucketDeployment` handler (a stack-level
 * singleton Lambda whose role, runtime and grants come with aws-cdk-lib).
 *
 * @param destinationObjects the nag finding text of the destination bucket's objects,
 *   e.g. `<WebBucket1234.Arn>/*`; omitted when the bucket is another stack's (its ARN is then
 *   a cross-stack value, which nag does not flag as a wildcard of this stack).
 */
export function acknowledgeBucketDeployment(stack: Stack, deployment: BucketDeployment, destinationObjects?: string): void {
  const reason = 'The runtime of the CDK-provided BucketDeployment handler is chosen and upgraded by aws-cdk-lib, not by this app.';
  Validations.of(deployment).acknowledge({ id: 'AwsSolutions-L1', reason });
  Validations.of(stack).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The CDK-provided BucketDeployment handler runs only during deployments; its role and managed logging policy come with aws-cdk-lib.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudfront:CreateInvalidation (BucketDeployment invalidating the UI after a deploy) supports no narrower resource in the CDK-provided handler policy.',
    },
    { id: 'AwsSolutions-L1', reason },
    ...[
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
      ...(destinationObjects ? [`Resource::${destinationObjects}`] : []),
    ].map((finding) => ({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason:
        "The CDK-provided BucketDeployment handler copies an asset (read on the CDK asset bucket) into the web bucket, replacing what was there (read, write, delete on the web bucket's objects); these are its grants, on those two buckets only.",
    })),
  );
}
