import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { COMPRESS_ENV } from '@imgpipe/platform';
import { knobs, ServiceFunction } from '@imgpipe/infra-shared';
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
