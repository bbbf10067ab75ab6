import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { ServiceEnv } from '@imgpipe/platform';
import type { InfraConfig } from '../config';
import { ORIGINALS_PREFIX } from '../object-prefixes';
import { inputLimitKnobs, ServiceFunction, type InputLimitSettings, type ServiceFunctionProps } from './default-lambda-props';

/** {@link imageFunction}'s props: a {@link ServiceFunction}'s, less what every image function shares. */
export interface ImageFunctionProps<D extends ServiceEnv>
  extends Omit<ServiceFunctionProps<D>, 'logRetention' | 'logLevel' | 'nativeModules'> {
  readonly config: InfraConfig;
  /** The input limits (`MAX_UPLOAD_BYTES`, `MAX_PIXELS`, `MAX_FRAMES`) it applies to originals. */
  readonly limits: InputLimitSettings;
  readonly originals: IBucket;
  readonly processed: IBucket;
  /** The processed bucket's prefix it writes under, and nothing else (`compressed/`, `thumbnails/`). */
  readonly writePrefix: string;
}

/**
 * A function that decodes originals with sharp (compress, thumbnail): sharp as a native
 * module, the stage's log retention and level, the input limit knobs, read access to the
 * originals under `uploads/` and write access to its own prefix of the processed bucket.
 * The one place these are declared for every image function.
 */
export function imageFunction<D extends ServiceEnv>(scope: Construct, id: string, props: ImageFunctionProps<D>): ServiceFunction<D> {
  const { config, limits, originals, processed, writePrefix, environment, ...rest } = props;
  const fn = new ServiceFunction<D>(scope, id, {
    ...rest,
    logRetention: config.logRetention,
    logLevel: config.logLevel,
    nativeModules: ['sharp'],
    environment: { ...environment, ...inputLimitKnobs(limits) } as ServiceFunctionProps<D>['environment'],
  });
  // Every image function's declaration has both buckets (BUCKETS in SERVICE_ENV); the generic
  // D cannot show it to the compiler, so bind through the untyped view.
  const untyped = fn as unknown as ServiceFunction<ServiceEnv>;
  untyped
    .bindBucket('ORIGINALS_BUCKET', originals, ['read'], { prefix: ORIGINALS_PREFIX })
    .bindBucket('PROCESSED_BUCKET', processed, ['write'], { prefix: writePrefix });
  return fn;
}
