import { z } from 'zod';
import { undoDeadline } from '@imgpipe/contracts';
import { InvalidCursorError, PAGE_LIMITS, type Clock, type ImageReadModel, type ImageRecord } from '@imgpipe/platform';
import { RequestValidationError } from './errors';
import { toImageView, type ImageView } from './image-view';
import { parseRequest } from './validation';

export interface ListImagesDeps {
  readonly readModel: ImageReadModel;
  readonly clock: Clock;
  /** For records of deletes without `undoUntil` (`ImageDeleted` v1): their window. */
  readonly undoWindowSeconds: number;
}

/** The two listings: the caller's images (`active`, the default) and the recently deleted ones. */
export const LIST_STATUSES = ['active', 'deleted'] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

/** `GET /images` query parameters, as strings. */
export interface ListImagesQuery {
  readonly limit?: string;
  readonly cursor?: string;
  /** `deleted`: the images deleted and still restorable (`undoUntil` ahead); absent or `active`: every other image. */
  readonly status?: string;
}

export interface ImageList {
  /** The caller's images, newest upload first. A page may hold fewer than `limit` and still have a `cursor`. */
  readonly items: ImageView[];
  /** Pass as `?cursor=` (with the same `status`) for the next page; absent on the last page. */
  readonly cursor?: string;
}

/** Read-model pages one listing call reads at most before answering a short page with a cursor. */
export const MAX_PAGES_PER_LIST = 10;

const querySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `must be a whole number from 1 to ${PAGE_LIMITS.max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= PAGE_LIMITS.max, `must be a whole number from 1 to ${PAGE_LIMITS.max}`)
    .optional(),
  cursor: z.string().min(1, 'must not be empty').max(2048, 'is too long').optional(),
  status: z.enum(LIST_STATUSES, { error: `must be one of ${LIST_STATUSES.join(', ')}` }).optional(),
});

/** The instant a deleted record stops being restorable. */
function undoUntilOf(record: ImageRecord, undoWindowSeconds: number): string | undefined {
  const { undoUntil, deletedAt } = record;
  if (typeof undoUntil === 'string') return undoUntil;
  return typeof deletedAt === 'string' ? undoDeadline(deletedAt, undoWindowSeconds) : undefined;
}

/**
 * `GET /images?limit&cursor&status`: the caller's images, newest first, a page at a time
 * (the read model's `user-id-index`). Default page size {@link PAGE_LIMITS}.default.
 * - by default, every image but the deleted ones;
 * - `status=deleted`: the "Recently deleted" view, images deleted and still restorable
 *   (`undoUntil` ahead, not purged), each with its `deletedAt` and `undoUntil`.
 *
 * The read model pages over all of a user's images; the filter applies to what it returns.
 * To keep the cursor exact, each read asks for at most the items still missing, and after
 * {@link MAX_PAGES_PER_LIST} reads a short page is answered with a cursor.
 *
 * @throws RequestValidationError for a bad `limit` or `status`, or a `cursor` this query did not issue.
 */
export function createListImages(deps: ListImagesDeps) {
  return async function listImages(userId: string, query: ListImagesQuery = {}): Promise<ImageList> {
    const { limit = PAGE_LIMITS.default, cursor, status = 'active' } = parseRequest(querySchema, query, 'query');
    const now = deps.clock.now().getTime();
    const wanted = (record: ImageRecord): boolean => {
      if (record['status'] !== 'deleted') return status === 'active';
      if (status !== 'deleted' || record['purgedAt'] !== undefined) return false;
      const undoUntil = undoUntilOf(record, deps.undoWindowSeconds);
      return undoUntil !== undefined && Date.parse(undoUntil) > now;
    };
    try {
      const items: ImageView[] = [];
      let next = cursor;
      for (let read = 0; read < MAX_PAGES_PER_LIST && items.length < limit; read += 1) {
        const page = await deps.readModel.listByUser(userId, {
          limit: limit - items.length,
          ...(next !== undefined ? { cursor: next } : {}),
        });
        for (const record of page.items) {
          if (!wanted(record)) continue;
          const undoUntil = record['status'] === 'deleted' ? undoUntilOf(record, deps.undoWindowSeconds) : undefined;
          items.push({ ...toImageView(record), ...(undoUntil ? { undoUntil } : {}) });
        }
        next = page.cursor;
        if (next === undefined) break;
      }
      return { items, ...(next ? { cursor: next } : {}) };
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new RequestValidationError([{ field: 'cursor', problem: 'is not a cursor of this listing' }]);
      }
      throw error;
    }
  };
}

export type ListImages = ReturnType<typeof createListImages>;
