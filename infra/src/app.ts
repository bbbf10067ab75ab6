import { App, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readInfraConfig } from './config';
import { CompressStack } from './stacks/compress.stack';
import { FoundationStack } from './stacks/foundation.stack';
import { ThumbnailStack } from './stacks/thumbnail.stack';

/** Every stack of the app, by role. */
export interface ImgpipeStacks {
  readonly foundation: FoundationStack;
  readonly compress: CompressStack;
  readonly thumbnail: ThumbnailStack;
}

/** Stack names: stable, because `cdk deploy <name> --exclusively` and the nx targets use them. */
export const STACK_NAMES = {
  foundation: 'ImgpipeFoundation',
  compress: 'ImgpipeCompress',
  thumbnail: 'ImgpipeThumbnail',
} as const;

/**
 * Builds every stack into `app` and puts cdk-nag's AWS Solutions checks on all of them:
 * an unacknowledged error fails `cdk synth`.
 */
export interface BuildAppOptions {
  readonly env?: Environment;
  /** Run cdk-nag's AWS Solutions checks at synth. @default true (tests of templates alone turn it off for speed) */
  readonly nag?: boolean;
}

export function buildApp(app: App, options: BuildAppOptions = {}): ImgpipeStacks {
  const { env, nag = true } = options;
  const config = readInfraConfig(app.node);
  const common = env ? { env } : {};
  const foundation = new FoundationStack(app, STACK_NAMES.foundation, { ...common, config });
  const compress = new CompressStack(app, STACK_NAMES.compress, { ...common, config, foundation: foundation.resources });
  const thumbnail = new ThumbnailStack(app, STACK_NAMES.thumbnail, { ...common, config, foundation: foundation.resources });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { foundation, compress, thumbnail };
}
