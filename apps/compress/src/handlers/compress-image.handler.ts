import { ImageUploadedDataSchema } from '@imgpipe/contracts';
import { configureImageRuntime, isInvalidImageError } from '@imgpipe/image-ops';
import { createAwsClients, createTaskHandler, S3ObjectStore } from '@imgpipe/platform';
import { loadCompressConfig } from '../config';
import { createCompressImage } from '../compress-image.use-case';

/** State machine task `Compress`: `ImageUploaded` data in, `ImageCompressed` data out. */
export const handler = createTaskHandler({
  input: ImageUploadedDataSchema,
  isInvalidInput: isInvalidImageError,
  stage: 'compress',
  coldStart: () => {
    const config = loadCompressConfig();
    configureImageRuntime();
    const { s3 } = createAwsClients();
    return createCompressImage({ store: new S3ObjectStore(s3), ...config });
  },
});
