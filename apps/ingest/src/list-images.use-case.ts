import { z } from 'zod';
import { InvalidCursorError, PAGE_LIMITS, type ImageReadModel } from '@imgpipe/platform';
import { RequestValidationError } from './errors';
import { toImageView, type ImageView } from './image-view';
import { parseRequest } from './validation';

export interface ListImagesDeps {
  readonly readModel: ImageReadModel;
}

/** `GET /images` query parameters, as strings. */
export interface ListImagesQuery {
  readonly limit?: string;
  readonly cursor?: string;
}

export interface ImageList {
  /** The caller's images, newest upload first. */
  readonly items: ImageView[];
  /** Pass as `?cursor=` for the next page; absent on the last page. */
  readonly cursor?: string;
}

const querySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `must be a whole number from 1 to ${PAGE_LIMITS.max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= PAGE_LIMITS.max, `must be a whole number from 1 to ${PAGE_LIMITS.max}`)
    .optional(),
  cursor: z.string().min(1, 'must not be empty').max(2048, 'is too long').optional(),
});

/**
 * `GET /images?limit&cursor`: the caller's images, newest first, a page at a time
 * (the read model's `user-id-index`). Default page size {@link PAGE_LIMITS}.default.
 *
 * @throws RequestValidationError for a bad `limit`, or a `cursor` this query did not issue.
 */
export function createListImages(deps: ListImagesDeps) {
  return async function listImages(userId: string, query: ListImagesQuery = {}): Promise<ImageList> {
    const { limit, cursor } = parseRequest(querySchema, query, 'query');
    try {
      const page = await deps.readModel.listByUser(userId, {
        ...(limit !== undefined ? { limit } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
      return { items: page.items.map(toImageView), ...(page.cursor ? { cursor: page.cursor } : {}) };
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new RequestValidationError([{ field: 'cursor', problem: 'is not a cursor of this listing' }]);
      }
      throw error;
    }
  };
}

export type ListImages = ReturnType<typeof createListImages>;
