/**
 * The UI's client of its HTTP surface: the project's one API client
 * (`@imgpipe/workflow/api-client`, shared with the CLI and the test clients), at the places
 * `config.json` names (see config.ts), with the session's token (`getToken`) and its 401
 * handling (`onUnauthorized`) passed in by main.ts. This module only re-exports it under the
 * names the pages use; the wire shapes are the contracts' views
 * (`@imgpipe/contracts/views`), validated by their zod schemas in the client.
 */
export {
  ApiError,
  cdnUrl,
  createApiClient,
  decodeImageChange,
  decodeImageDetails,
  decodeImageList,
  decodeImageView,
  decodeStats,
  decodeUploadGrant,
  describeError,
  devLogin,
  encodeKeyPath,
  eventsUrl,
  parseApiError,
  parseEventData,
  postToGrant,
  type ApiClient,
  type ApiClientOptions,
  type DeleteResult,
  type FetchLike,
} from '@imgpipe/workflow/api-client';
export {
  IMAGE_LIST_FORMATS,
  IMAGE_STATUSES,
  MAX_NAME_QUERY_LENGTH,
  nameSearchKey,
  type DashboardStats,
  type HistoryEntry,
  type ImageChange,
  type ImageDetails,
  type ImageFailureView as ImageFailure,
  type ImageList,
  type ImageListFilter,
  type ImageListStatus,
  type ImageRecordView as ImageView,
  type ImageStatus,
  type UploadGrant,
  type UploadRequest,
} from '@imgpipe/contracts/views';
import type { ApiClient } from '@imgpipe/workflow/api-client';

/** The URLs of processed objects, as the pages build them. */
export type ObjectUrls = Pick<ApiClient, 'objectUrl'>;

// The original, for its owner (`GET /images/{id}/original`, the client's `getOriginal`): original-file.ts.
export type { OriginalDownload } from '@imgpipe/contracts/views';
