import { ImageUploadedDataSchema } from '@imgpipe/contracts';
import { configureImageRuntime, isInvalidImageError } from '@imgpipe/image-ops';
import { createAwsClients, createTaskHandler, S3ObjectStore } from '@imgpipe/platform';
import { loadThumbnailConfig } from '../config';
import { createGenerateThumbnails } from '../generate-thumbnails.use-case';

/** State machine task `Thumbnail`: `ImageUploaded` data in, `ThumbnailsGenerated` data out. */
export const handler = createTaskHandler({
  input: ImageUploadedDataSchema,
  isInvalidInput: isInvalidImageError,
  stage: 'thumbnail',
  coldStart: () => {
    const config = loadThumbnailConfig();
    configureImageRuntime();
    const { s3 } = createAwsClients();
    return createGenerateThumbnails({ store: new S3ObjectStore(s3), ...config });
  },
});
