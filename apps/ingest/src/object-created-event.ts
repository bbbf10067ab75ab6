import { z } from 'zod';
import type { CreatedObject } from './check-upload.use-case';
import { InvalidEventError } from './errors';

/**
 * The S3 "Object Created" event as EventBridge delivers it (and as the local runtime
 * builds it from the local S3 server's notifications): only what ingest reads is
 * required; anything else may come and is ignored.
 */
export const ObjectCreatedEventSchema = z.object({
  id: z.string().optional(),
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  time: z.string().optional(),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1).max(255) }),
    object: z.object({
      key: z.string().min(1).max(4096),
      size: z.number().int().nonnegative().optional(),
      etag: z.string().max(1024).optional(),
      /** Present on a versioned bucket: the version this event created. */
      'version-id': z.string().min(1).max(1024).optional(),
    }),
  }),
});
export type ObjectCreatedEvent = z.output<typeof ObjectCreatedEventSchema>;

/**
 * The created object an "Object Created" event describes.
 *
 * @throws InvalidEventError naming the fields that do not fit.
 */
export function parseObjectCreatedEvent(event: unknown): CreatedObject {
  const result = ObjectCreatedEventSchema.safeParse(event);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InvalidEventError(`not an S3 Object Created event: ${fields}`, { cause: result.error });
  }
  const { detail, time } = result.data;
  return {
    bucket: detail.bucket.name,
    key: detail.object.key,
    ...(detail.object.size !== undefined ? { size: detail.object.size } : {}),
    ...(detail.object.etag !== undefined ? { etag: detail.object.etag } : {}),
    ...(detail.object['version-id'] !== undefined ? { versionId: detail.object['version-id'] } : {}),
    ...(time !== undefined ? { createdAt: time } : {}),
  };
}
