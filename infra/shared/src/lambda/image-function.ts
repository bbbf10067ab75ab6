import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { THUMBNAIL_ENV, type ServiceEnv } from '@imgpipe/platform';
import type { InfraConfig, RenditionSettings } from '../config';
import { ORIGINALS_PREFIX } from '../object-prefixes';
import { inputLimitKnobs, knobs, ServiceFunction, type InputLimitSettings, type ServiceFunctionProps } from './default-lambda-props';

/** {@link imageFunction}'s props: a {@link ServiceFunction}'s, less what every image function shares. */
export interface ImageFunctionProps<D extends ServiceEnv>
  extends Omit<ServiceFunctionProps<D>, 'logRetention' | 'logLevel' | 'nativeModules'> {
  readonly config: InfraConfig;
  /** The input limits (`MAX_UPLOAD_BYTES`, `MAX_PIXELS`, `MAX_FRAMES`) it applies to originals. */
  readonly limits: InputLimitSettings;
  readonly originals: IBucket;
  readonly processed: IBucket;
  /**
   * The processed bucket's prefixes it writes under, and nothing else: thumbnail `thumbnails/`;
   * compress `compressed/` and `thumbnails/` (the rendition set's large renditions, made from its
   * full-size decode); the AVIF step `compressed/`. Each a key prefix ending in `/`: never the
   * whole bucket.
   */
  readonly writePrefixes: readonly [string, ...string[]];
}

/**
 * A function that decodes originals with sharp (compress, thumbnail): sharp as a native
 * module, the stage's log retention and level, the input limit knobs, read access to the
 * originals under `uploads/` and write access to its own prefixes of the processed bucket.
 * The one place these are declared for every image function.
 */
export function imageFunction<D extends ServiceEnv>(scope: Construct, id: string, props: ImageFunctionProps<D>): ServiceFunction<D> {
  const { config, limits, originals, processed, writePrefixes, environment, ...rest } = props;
  for (const prefix of writePrefixes) {
    if (!/^[a-z0-9-]+\/$/.test(prefix)) throw new Error(`${id}: a write prefix must be a top-level key prefix like "compressed/", not "${prefix}"`);
  }
  if (new Set(writePrefixes).size !== writePrefixes.length) throw new Error(`${id}: write prefix named twice (${writePrefixes.join(', ')})`);
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
  untyped.bindBucket('ORIGINALS_BUCKET', originals, ['read'], { prefix: ORIGINALS_PREFIX });
  for (const prefix of writePrefixes) untyped.bindBucket('PROCESSED_BUCKET', processed, ['write'], { prefix });
  return fn;
}

/**
 * The variables of the pipeline's one rendition set (`imgpipe:renditionSet`,
 * `imgpipe:thumbnailBackground`) for the two functions that make its renditions, thumbnail and
 * compress; unset ones are left out, so the services' default applies to both alike.
 */
export function renditionKnobs(settings: RenditionSettings): Partial<Record<'RENDITION_SET' | 'THUMBNAIL_BACKGROUND', string>> {
  return knobs(THUMBNAIL_ENV, { RENDITION_SET: settings.renditionSet, THUMBNAIL_BACKGROUND: settings.background });
}
