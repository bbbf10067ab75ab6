/**
 * `@imgpipe/contracts/views`: the shapes the read side shows — what the metadata projection
 * stores, the API returns (`GET /images`, `GET /images/{id}`, `POST /uploads` ...) and the web
 * UI, the CLI and the test clients read. Each wire shape is declared once, as a zod schema
 * whose type is inferred from it; the one API client (`@imgpipe/workflow/api-client`)
 * validates every answer with these schemas. Only `zod/mini` is imported, so the browser bundle
 * takes them without the event contracts or the full zod.
 *
 * The schemas read tolerantly, as a client must read a server that may be newer than it:
 * unknown fields are dropped, an optional field of the wrong type reads as absent, and a
 * status this build does not know reads as `processing`; only a missing key (`imageId`,
 * `userId`, `uploadedAt`) makes a record unreadable.
 */
// zod's tree-shakeable `zod/mini` API: the full `zod` adds ~450 kB to the browser bundle.
import * as z from 'zod/mini';
import { DeliveryPlaceholderSchema, DeliveryRecordSchema } from './delivery-record';
import { INPUT_FORMATS } from './vocabulary';

/** Where an image is in the pipeline (the read model's `status`). */
export const IMAGE_STATUSES = ['processing', 'processed', 'failed', 'deleted'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** An optional field read tolerantly: absent when it is missing or of the wrong type. */
const tolerant = <T extends z.ZodMiniType>(schema: T) => z.catch(z.optional(schema), undefined);

/** A name -> string map whose non-string values are dropped (e.g. rendition name -> key). */
const stringMap = z.pipe(
  z.record(z.string(), z.unknown()),
  z.transform((map: Record<string, unknown>): Record<string, string> =>
    Object.fromEntries(Object.entries(map).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
  ),
);

/** Why the last pipeline run of an image failed, as the read side shows it. */
export const ImageFailureViewSchema = z.object({
  /** A stable code, e.g. `CORRUPT`, `TOO_LARGE`, `TRANSIENT_EXHAUSTED` (the contracts' `FailureCode`). */
  code: z.string(),
  /** A sentence a person can read. */
  reason: z.string(),
  /** The stage that failed: `ingest`, `compress`, `thumbnail`, `record`, `notify` (the contracts' `FailureStage`). */
  stage: z.string(),
});
export type ImageFailureView = z.output<typeof ImageFailureViewSchema>;

/**
 * THE image record: what the fold of an image's history knows (`ImageFoldRecord` in
 * `fold.ts` narrows the codes to this build's), what the metadata projection stores (plus its
 * `revision`), and what `GET /images` and `GET /images/{id}` return. Attributes the history
 * has not told yet are absent.
 */
export const ImageRecordViewSchema = z.object({
  imageId: z.string(),
  userId: z.string(),
  /** ISO 8601; set by the first event, never moves; the listing is ordered by it, newest first. */
  uploadedAt: z.string(),
  status: z.catch(z.enum(IMAGE_STATUSES), 'processing'),
  /** `uploads/{userId}/{imageId}/{sanitized filename}`. */
  originalKey: tolerant(z.string()),
  originalSize: tolerant(z.number()),
  /** The original's real format (`jpeg`, `png`, `heif` ...). */
  format: tolerant(z.string()),
  /** Of the full-size image (orientation applied). */
  width: tolerant(z.number()),
  height: tolerant(z.number()),
  /** The rendition set of the last upload or processing run. */
  renditionsVersion: tolerant(z.string()),
  /** Key of the primary full-size variant, e.g. `compressed/{user}/{id}/full.webp`. */
  compressedKey: tolerant(z.string()),
  compressedSize: tolerant(z.number()),
  /** Negative when the compressed variant is larger than the original. */
  savingsPercent: tolerant(z.number()),
  /** Rendition name -> object key, e.g. `small` -> `thumbnails/{user}/{id}/small.jpg`. */
  thumbnails: tolerant(stringMap),
  /** Wall time of the pipeline run, upload to record. */
  processingTimeMs: tolerant(z.number()),
  /**
   * What a page needs to show the image (`delivery-record.ts`: URLs, sizes, `srcset`,
   * `<picture>`, placeholder, which file is served and the formats that exist); absent for an
   * image processed before `ImageProcessed` v2, or one that is not processed.
   */
  delivery: tolerant(DeliveryRecordSchema),
  /**
   * What a page shows while the image loads (ThumbHash, dominant colour, aspect ratio), from
   * `ThumbnailsGenerated` v2: set as soon as the thumbnails are recorded, while the record is
   * still `processing` (with `thumbnails`), before the full-size encode ends.
   */
  placeholder: tolerant(DeliveryPlaceholderSchema),
  /** Set while `status` is `failed`. */
  failure: tolerant(ImageFailureViewSchema),
  /** Set while `status` is `deleted`: when the owner deleted it. */
  deletedAt: tolerant(z.string()),
  /** Set while `status` is `deleted`: the owner may restore it until then; the purge erases it after. */
  undoUntil: tolerant(z.string()),
  /** Set once a deleted image was purged: the record is a tombstone (no keys, no file facts). */
  purgedAt: tolerant(z.string()),
  /** `occurredAt` of the last event applied. */
  updatedAt: tolerant(z.string()),
});
/** One image as the read side shows it: see {@link ImageRecordViewSchema}. */
export type ImageRecordView = z.output<typeof ImageRecordViewSchema>;

/** The `data` of a history entry: its own, else the whole envelope's `detail.data` (an older server's shape). */
const historyData = (entry: Record<string, unknown>): unknown => {
  if ('data' in entry) return entry['data'];
  const detail = entry['detail'];
  return typeof detail === 'object' && detail !== null && 'data' in detail ? (detail as { data: unknown }).data : undefined;
};

/** One event of an image's history as the API shows it (`GET /images/{id}`), oldest first. */
const HistoryWireSchema = z.looseObject({
  /** 1 for the image's first event, then 2, 3, ... */
  sequence: z.number(),
  /** The event name, e.g. `ImageUploaded`. */
  detailType: z.string(),
  eventId: tolerant(z.string()),
  /** The producer, e.g. `imgpipe.compress`. */
  source: tolerant(z.string()),
  occurredAt: tolerant(z.string()),
  correlationId: tolerant(z.string()),
});
export const HistoryEntrySchema = z.pipe(
  HistoryWireSchema,
  z.transform((entry: z.output<typeof HistoryWireSchema>) => ({
    sequence: entry.sequence,
    eventId: entry.eventId ?? String(entry.sequence),
    detailType: entry.detailType,
    source: entry.source ?? 'unknown',
    occurredAt: entry.occurredAt ?? '',
    ...(entry.correlationId !== undefined ? { correlationId: entry.correlationId } : {}),
    /** The event's `detail.data`, as the contract of `detailType` describes it. */
    data: historyData(entry),
  })),
);
export type HistoryEntry = z.output<typeof HistoryEntrySchema>;

/** An array whose unreadable items are dropped (one odd item does not hide the others). */
const readableItems = <T extends z.ZodMiniType>(item: T) =>
  z.pipe(
    z.array(z.unknown()),
    z.transform((items: unknown[]) =>
      items.flatMap((value) => {
        const parsed = z.safeParse(item, value);
        return parsed.success ? [parsed.data as z.output<T>] : [];
      }),
    ),
  );

/** `GET /images/{id}`: the record (`null` until the projection has caught up) and the whole history, oldest first. */
const ImageDetailsWireSchema = z.object({
  imageId: tolerant(z.string()),
  image: z.catch(z.nullable(ImageRecordViewSchema), null),
  history: z.catch(readableItems(HistoryEntrySchema), []),
});
export const ImageDetailsSchema = z.pipe(
  ImageDetailsWireSchema,
  z.transform((details: z.output<typeof ImageDetailsWireSchema>, context) => {
    const imageId = details.imageId ?? details.image?.imageId;
    if (imageId === undefined) {
      context.issues.push({ code: 'custom', message: 'the answer names no image', input: details });
      return z.NEVER;
    }
    return { imageId, image: details.image, history: [...details.history].sort((a, b) => a.sequence - b.sequence) };
  }),
);
export type ImageDetails = z.output<typeof ImageDetailsSchema>;

/** `GET /images/{id}/original`: a short-lived signed URL of the caller's original (owner only; 404 for anyone else). */
export const OriginalDownloadSchema = z.object({
  imageId: z.string(),
  /** A signed GET of the original; stops working at `expiresAt`. */
  url: z.string(),
  /** ISO 8601. */
  expiresAt: z.string(),
  /** The original's (sanitised) file name. */
  filename: tolerant(z.string()),
  bytes: tolerant(z.number()),
  /** The original's real format (`jpeg`, `png`, `heif` ...). */
  format: tolerant(z.string()),
});
export type OriginalDownload = z.output<typeof OriginalDownloadSchema>;

/** `GET /images`: a page of the caller's images, newest first; `cursor` absent on the last page. */
export const ImageListSchema = z.object({
  items: readableItems(ImageRecordViewSchema),
  /** Pass back as `cursor` (with the same filters) for the next page. */
  cursor: tolerant(z.string()),
  /**
   * How many of the caller's images match the listing's filters (all pages together), on
   * the first page only (a request without `cursor`); absent from an older server.
   */
  total: tolerant(z.number()),
});
export type ImageList = z.output<typeof ImageListSchema>;

/**
 * `GET /images?status=`: which of the caller's images a listing shows. `active` (the
 * default) is every image not deleted; `processing`, `processed` and `failed` narrow it to
 * one status; `deleted` is the recently deleted ones still restorable.
 */
export const IMAGE_LIST_STATUSES = ['active', 'processing', 'processed', 'failed', 'deleted'] as const;
export type ImageListStatus = (typeof IMAGE_LIST_STATUSES)[number];

/** `GET /images?format=`: the original's real format (the vocabulary's input formats). */
export const IMAGE_LIST_FORMATS = INPUT_FORMATS;

/** The longest `GET /images?q=` (name search), in code points: a sanitised file name's most. */
export const MAX_NAME_QUERY_LENGTH = 100;

/** `GET /images` filters, as a client passes them; an absent field does not filter. */
export interface ImageListFilter {
  readonly status?: ImageListStatus;
  readonly format?: (typeof IMAGE_LIST_FORMATS)[number];
  /** Name search: images whose file name contains it, in any case (see {@link nameSearchKey}). */
  readonly q?: string;
}

/**
 * THE rule of the name search, applied to both sides: a file name (as stored, sanitised:
 * `Harbour_at_Dusk.JPG`) and a query (`harbour at`) match when the key of the name contains
 * the key of the query. The key is NFC, lower case, with `_` read as a space (the upload
 * sanitiser turns spaces into `_`) and runs of spaces collapsed and trimmed. The read
 * model stores the key of every file name (its DynamoDB adapter) and the API filters on it.
 *
 * @example nameSearchKey('Harbour_at_Dusk.JPG'); // 'harbour at dusk.jpg'
 */
export function nameSearchKey(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/[_\s]+/g, ' ').trim();
}

/** `POST /uploads` body: what the client declares about the file it will upload. */
export interface UploadRequest {
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: number;
}

/** `POST /uploads`: a grant to upload one original — POST `fields`, then the file as `file`, to `url`. */
export const UploadGrantSchema = z.object({
  imageId: z.string(),
  key: z.string(),
  url: z.string(),
  /** Form fields in the order they must be sent. */
  fields: stringMap,
  /** ISO 8601; the storage service refuses the upload after it. */
  expiresAt: z.catch(z.string(), ''),
});
export type UploadGrant = z.output<typeof UploadGrantSchema>;

/** A list whose non-string items are dropped. */
const strings = z.pipe(
  z.array(z.unknown()),
  z.transform((items: unknown[]) => items.filter((item): item is string => typeof item === 'string')),
);

/** `DELETE /images/{id}` (202, possibly without a body). */
export const DeleteResultSchema = z.object({
  deletedKeys: z.catch(strings, []),
  /** Until when the delete can be undone (`restoreImage`); absent from a server without undo. */
  undoUntil: tolerant(z.string()),
});

/** An API error answer: `{ code, message, fields? }`. */
export const ErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  /** For `INVALID_REQUEST`: the fields at fault. */
  fields: z.catch(strings, []),
});

/** Pipeline-wide figures: `GET <statsUrl>` and the `stats` events of `<eventsUrl>` ({@link WebConfig}; `/api/stats` and `/api/events` locally). */
export interface DashboardStats {
  readonly processed: number;
  readonly failed: number;
  readonly failedByCode: Readonly<Record<string, number>>;
  readonly processing: number;
  /** Processing time percentiles (upload to record) of processed images; `null` before the first. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  /** Σ (original − compressed) over processed images. */
  readonly bytesSaved: number;
  /** Σ original over processed images. */
  readonly originalBytes: number;
  /** Messages waiting in the dead-letter queues (the notify queue's and the bus targets'). */
  readonly dlqDepth: number;
}

/** An `image` event of the `<eventsUrl>` stream: one of the caller's images changed. */
export interface ImageChange {
  readonly imageId: string;
  readonly detailType: string;
  /** The image's status after the change, when the server says. */
  readonly status?: ImageStatus;
  readonly occurredAt?: string;
  /**
   * The image's record as the change left it, while it is `processing` (issue 13, thumbnails
   * early): what `GET /images/{id}` then answers, without the history. A page shows the new card,
   * and then the early renditions and placeholder, from the change itself instead of reading the
   * record first. Only a server that folds the change can say: the local stream does; AppSync's
   * feed (an input transformer that writes the change as a string) leaves it out, and the page
   * then reads the record as for any change.
   */
  readonly image?: ImageRecordView;
}

/**
 * `GET /config.json`: where the web UI finds its API, its images and its sign-in. The local
 * runtime serves one for `npm start`; on AWS the Api stack writes one into the UI's bucket
 * (the HTTP API's URL, the Cognito hosted sign-in). The UI reads it before anything else.
 */
export interface WebConfig {
  /** Prefix of the upload API's routes (`/uploads`, `/images`, ...): `/api` locally, the HTTP API's URL on AWS; no trailing `/`. */
  readonly apiBaseUrl: string;
  /** Prefix of processed-object URLs (`<cdnBaseUrl>/thumbnails/...`): `/cdn` locally, `''` behind CloudFront. */
  readonly cdnBaseUrl: string;
  readonly auth: WebAuthConfig;
  /** The server-sent event stream of image changes and stats, or `null`: the UI polls what it watches. */
  readonly eventsUrl: string | null;
  /** `GET` pipeline-wide {@link DashboardStats}, or `null` when the deployment has none (see `dashboardUrl`). */
  readonly statsUrl: string | null;
  /** Where the pipeline's figures are shown instead, when `statsUrl` is `null` (a CloudWatch dashboard). */
  readonly dashboardUrl?: string;
  /**
   * The managed push service of a deployment without `eventsUrl` (AWS): the UI subscribes to
   * its own channel ({@link imageChangesChannel}) and gets the same {@link ImageChange}s the
   * local stream sends. Absent: no push service.
   */
  readonly realtime?: RealtimeConfig;
}

/** The AppSync Events namespace of image changes: a user's channel is `/images/{sub}`. */
export const IMAGE_CHANGES_NAMESPACE = 'images';

/** An AppSync Events channel segment: 1-50 of A-Z, a-z, 0-9 and `-` (a Cognito `sub` is a UUID). */
const CHANNEL_SEGMENT = /^[A-Za-z0-9-]{1,50}$/;

/**
 * The one channel a user's image changes are published to and the only one it may subscribe
 * to (the namespace's `onSubscribe` refuses any other), or `undefined` when `userId` cannot
 * name a channel.
 *
 * @example imageChangesChannel('3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b') // '/images/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b'
 */
export function imageChangesChannel(userId: string): string | undefined {
  return CHANNEL_SEGMENT.test(userId) ? `/${IMAGE_CHANGES_NAMESPACE}/${userId}` : undefined;
}

/**
 * An AWS AppSync Events API (`config.json`'s `realtime`): the UI connects to
 * `wss://<realtimeDomain>/event/realtime` and authorizes with its ID token for `httpDomain`.
 */
export const RealtimeConfigSchema = z.object({
  kind: z.literal('appsync-events'),
  /** The API's HTTP domain (`<id>.appsync-api.<region>.amazonaws.com`): the `host` of every authorization. */
  httpDomain: z.string().check(z.minLength(1)),
  /** The API's real-time (WebSocket) domain (`<id>.appsync-realtime-api.<region>.amazonaws.com`). */
  realtimeDomain: z.string().check(z.minLength(1)),
});
export type RealtimeConfig = z.output<typeof RealtimeConfigSchema>;

/** How a person signs in. */
export type WebAuthConfig =
  /** The local runtime: `POST /auth/dev-login` (loopback only) and the sign-in link `npm start` prints. */
  | { readonly kind: 'dev'; readonly loginUrl: string }
  /**
   * An OpenID Connect provider (the Cognito user pool's hosted sign-in, or the issuer given to
   * the deployment): authorization code flow with PKCE, a public client; the ID token is the
   * bearer the API's JWT authorizer checks (its `aud` is `clientId`). Endpoints absent here
   * are read from `<issuer>/.well-known/openid-configuration`.
   */
  | {
      readonly kind: 'oidc';
      readonly issuer: string;
      readonly clientId: string;
      readonly scopes: readonly string[];
      readonly authorizationEndpoint?: string;
      readonly tokenEndpoint?: string;
      /** Cognito's `/logout` (it takes `client_id` and `logout_uri`); absent: sign-out is local only. */
      readonly logoutEndpoint?: string;
    };

const count = z.catch(z.number(), 0);
const percentile = z.catch(z.nullable(z.number()), null);

/** Reads a {@link DashboardStats}: a missing count is 0, a missing percentile `null`. */
export const DashboardStatsSchema = z.object({
  processed: count,
  failed: count,
  failedByCode: z.catch(
    z.pipe(
      z.record(z.string(), z.unknown()),
      z.transform((map: Record<string, unknown>): Record<string, number> =>
        Object.fromEntries(Object.entries(map).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]))),
      ),
    ),
    {},
  ),
  processing: count,
  p50Ms: percentile,
  p95Ms: percentile,
  bytesSaved: count,
  originalBytes: count,
  dlqDepth: count,
}) satisfies z.ZodMiniType<DashboardStats, unknown>;

/** Reads an {@link ImageChange}: an unknown status is left out, a missing detail type is `unknown`. */
export const ImageChangeSchema = z.object({
  imageId: z.string(),
  detailType: z.catch(z.string(), 'unknown'),
  status: tolerant(z.enum(IMAGE_STATUSES)),
  occurredAt: tolerant(z.string()),
  image: tolerant(ImageRecordViewSchema),
}) satisfies z.ZodMiniType<ImageChange, unknown>;
