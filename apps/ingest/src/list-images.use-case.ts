import { z } from 'zod';
import { undoDeadline } from '@imgpipe/contracts';
import { IMAGE_LIST_FORMATS, IMAGE_LIST_STATUSES, MAX_NAME_QUERY_LENGTH, type ImageListStatus } from '@imgpipe/contracts/views';
import { InvalidCursorError, PAGE_LIMITS, type Clock, type ImageReadModel, type ImageRecord, type ReadModelFilter } from '@imgpipe/platform';
import { RequestValidationError } from './errors';
import { toImageView, type ImageView } from './image-view';
import { parseRequest } from './validation';

export interface ListImagesDeps {
  readonly readModel: ImageReadModel;
  readonly clock: Clock;
  /** For records of deletes without `undoUntil` (`ImageDeleted` v1): their window. */
  readonly undoWindowSeconds: number;
}

/** `GET /images` query parameters, as strings. */
export interface ListImagesQuery {
  readonly limit?: string;
  readonly cursor?: string;
  /** `active` or absent: every image not deleted; `processing`, `processed`, `failed`: those; `deleted`: the deleted and still restorable (`undoUntil` ahead). */
  readonly status?: string;
  /** The original's real format (`jpeg`, `png` ...: the vocabulary's input formats). */
  readonly format?: string;
  /** Name search: the upload's file name contains it, in any case (the contracts' `nameSearchKey`); at most {@link MAX_NAME_QUERY_LENGTH} characters. */
  readonly q?: string;
}

export interface ImageList {
  /** The caller's matching images, newest upload first. A page may hold fewer than `limit` and still have a `cursor`. */
  readonly items: ImageView[];
  /** Pass as `?cursor=` (with the same filters) for the next page; absent on the last page. */
  readonly cursor?: string;
  /** On the first page (no `cursor` asked): how many of the caller's images match, all pages together. */
  readonly total?: number;
}

/** Read-model pages one listing call reads at most before answering a short page with a cursor. */
export const MAX_PAGES_PER_LIST = 10;

const codePoints = (text: string): number => Array.from(text).length;

const querySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `must be a whole number from 1 to ${PAGE_LIMITS.max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= PAGE_LIMITS.max, `must be a whole number from 1 to ${PAGE_LIMITS.max}`)
    .optional(),
  cursor: z.string().min(1, 'must not be empty').max(2048, 'is too long').optional(),
  status: z.enum(IMAGE_LIST_STATUSES, { error: `must be one of ${IMAGE_LIST_STATUSES.join(', ')}` }).optional(),
  format: z.enum(IMAGE_LIST_FORMATS, { error: `must be one of ${IMAGE_LIST_FORMATS.join(', ')}` }).optional(),
  // Checked before trimming, so a megabyte of spaces is refused, not read.
  q: z
    .string()
    .refine((q) => codePoints(q) <= MAX_NAME_QUERY_LENGTH, `must be at most ${MAX_NAME_QUERY_LENGTH} characters`)
    .transform((q) => q.trim())
    .optional(),
});

/** The instant a deleted record stops being restorable. */
function undoUntilOf(record: ImageRecord, undoWindowSeconds: number): string | undefined {
  const { undoUntil, deletedAt } = record;
  if (typeof undoUntil === 'string') return undoUntil;
  return typeof deletedAt === 'string' ? undoDeadline(deletedAt, undoWindowSeconds) : undefined;
}

/**
 * `GET /images?limit&cursor&status&format&q`: the caller's matching images, newest first,
 * a page at a time (the read model's `user-id-index`). Default page size {@link PAGE_LIMITS}.default.
 * - by default (`status=active`), every image but the deleted ones; `processing`,
 *   `processed` or `failed` narrows it to that status;
 * - `status=deleted`: the "Recently deleted" view, images deleted and still restorable
 *   (`undoUntil` ahead, not purged), each with its `deletedAt` and `undoUntil`;
 * - `format`: the original's format; `q`: the file name contains it, in any case.
 *
 * The filters are evaluated by the read model (a `FilterExpression` of the Query on
 * DynamoDB), which bills every record it reads, matching or not. Each read asks for at most
 * the items still missing, so the cursor stays exact; after {@link MAX_PAGES_PER_LIST} reads
 * a short page is answered with a cursor. The first page (no `cursor`) also carries `total`,
 * counted by the read model over all the caller's records (`countByUser`: one read of the
 * user's whole partition, see its cost there), in parallel with the page's read.
 *
 * @throws RequestValidationError for a bad `limit`, `status`, `format` or `q`, or a `cursor` this query did not issue.
 */
export function createListImages(deps: ListImagesDeps) {
  function filterOf(status: ImageListStatus, format: string | undefined, q: string | undefined): ReadModelFilter {
    const now = deps.clock.now();
    const byStatus: ReadModelFilter =
      status === 'active'
        ? { notStatuses: ['deleted'] }
        : status === 'deleted'
          ? {
              statuses: ['deleted'],
              restorable: { now: now.toISOString(), deletedAfter: new Date(now.getTime() - deps.undoWindowSeconds * 1000).toISOString() },
            }
          : { statuses: [status] };
    return { ...byStatus, ...(format !== undefined ? { format } : {}), ...(q ? { nameContains: q } : {}) };
  }

  return async function listImages(userId: string, query: ListImagesQuery = {}): Promise<ImageList> {
    const { limit = PAGE_LIMITS.default, cursor, status = 'active', format, q } = parseRequest(querySchema, query, 'query');
    const filter = filterOf(status, format, q);
    const readPages = async (): Promise<{ items: ImageView[]; next?: string }> => {
      const items: ImageView[] = [];
      let next = cursor;
      for (let read = 0; read < MAX_PAGES_PER_LIST && items.length < limit; read += 1) {
        const page = await deps.readModel.listByUser(userId, {
          limit: limit - items.length,
          filter,
          ...(next !== undefined ? { cursor: next } : {}),
        });
        for (const record of page.items) {
          const undoUntil = record['status'] === 'deleted' ? undoUntilOf(record, deps.undoWindowSeconds) : undefined;
          items.push({ ...toImageView(record), ...(undoUntil ? { undoUntil } : {}) });
        }
        next = page.cursor;
        if (next === undefined) break;
      }
      return { items, ...(next !== undefined ? { next } : {}) };
    };
    try {
      const [{ items, next }, total] = await Promise.all([
        readPages(),
        cursor === undefined ? deps.readModel.countByUser(userId, filter) : Promise.resolve(undefined),
      ]);
      return { items, ...(next ? { cursor: next } : {}), ...(total !== undefined ? { total } : {}) };
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new RequestValidationError([{ field: 'cursor', problem: 'is not a cursor of this listing' }]);
      }
      throw error;
    }
  };
}

export type ListImages = ReturnType<typeof createListImages>;
