import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { COMPRESS_ENV } from '@imgpipe/platform';
import { imageFunction, knobs, readInfraConfig, ServiceFunction } from '@imgpipe/infra-shared';
import { actionsOf, allowStatements } from '../testing/iam';
import { testApp } from '../testing/test-app';

/** A function bound by its service's declaration takes only the names it declares (the `@ts-expect-error`s are checked by `tsc`). */
describe('ServiceFunction', () => {
  const stack = new Stack(testApp(), 'Env');
  const bucket = new Bucket(stack, 'Bucket');
  const fn = new ServiceFunction(stack, 'Compress', {
    env: COMPRESS_ENV,
    service: 'compress',
    entry: 'apps/compress/src/handlers/compress-image.handler.ts',
    description: 'test',
    memorySize: 128,
    timeout: Duration.seconds(3),
    logRetention: RetentionDays.ONE_DAY,
    logLevel: 'INFO',
    environment: knobs(COMPRESS_ENV, { WEBP_QUALITY: 70, COMPRESS_FORMATS: undefined }),
  }).bindBucket('ORIGINALS_BUCKET', bucket, ['read'], { prefix: 'uploads/' });

  it('sets the declared knobs and resources it is given, and nothing for an unset knob', () => {
    const variables = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
      .map((r) => (r['Properties'] as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables)
      .find((v) => v['POWERTOOLS_SERVICE_NAME'] === 'compress');
    expect(variables?.['WEBP_QUALITY']).toBe('70');
    expect(variables?.['ORIGINALS_BUCKET']).toBeDefined();
    expect(variables).not.toHaveProperty('COMPRESS_FORMATS');
    expect(fn.envDeclaration).toBe(COMPRESS_ENV);
  });

  it('refuses, at compile time, a misspelt knob and a name of the wrong kind', () => {
    // @ts-expect-error WEBP_QUALTY is not a knob of compress
    knobs(COMPRESS_ENV, { WEBP_QUALTY: 3 });
    // @ts-expect-error compress declares no IMAGES_TABLE
    expect(() => fn.nameResource('IMAGES_TABLE', 'x')).not.toThrow();
    // @ts-expect-error WEBP_QUALITY is a knob, not a bucket
    expect(() => fn.bindBucket('WEBP_QUALITY', bucket, ['read'], { prefix: 'x/' })).not.toThrow();
  });
});

describe('imageFunction', () => {
  const build = (writePrefixes: readonly [string, ...string[]]) => {
    const stack = new Stack(testApp(), 'Image');
    const buckets = { originals: new Bucket(stack, 'Originals'), processed: new Bucket(stack, 'Processed') };
    imageFunction(stack, 'Compress', {
      env: COMPRESS_ENV,
      service: 'compress',
      entry: 'apps/compress/src/handlers/compress-image.handler.ts',
      description: 'test',
      memorySize: 128,
      timeout: Duration.seconds(3),
      config: readInfraConfig(stack.node),
      limits: {},
      ...buckets,
      writePrefixes,
    });
    return Template.fromStack(stack);
  };

  it('grants s3:PutObject under each write prefix of the processed bucket, and only there', () => {
    const puts = allowStatements(build(['compressed/', 'thumbnails/'])).filter((s) => actionsOf(s).includes('s3:PutObject'));

    expect(puts.flatMap(actionsOf)).toEqual(puts.map(() => 's3:PutObject'));
    const patterns = JSON.stringify(puts.map((s) => s.Resource)).match(/\/[a-z]+\/\*/g);
    expect(patterns?.sort()).toEqual(['/compressed/*', '/thumbnails/*']);
  });

  it('refuses a prefix that is the whole bucket, not a top-level prefix, or named twice', () => {
    expect(() => build([''])).toThrow(/write prefix/);
    expect(() => build(['*'])).toThrow(/write prefix/);
    expect(() => build(['compressed'])).toThrow(/write prefix/);
    expect(() => build(['compressed/', 'compressed/'])).toThrow(/named twice/);
  });
});
