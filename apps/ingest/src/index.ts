/**
 * `@imgpipe/ingest`: the upload API (presigned POST; list, get, delete and restore my images) and
 * the `onObjectCreated` check that admits an upload into the pipeline.
 */
export { createHttpApiHandler } from './handlers/http-api.adapter';
export type { HttpApiHandlerOptions, HttpApiServices } from './handlers/http-api.adapter';
export * from './ingest.composition';

export * from './create-upload.use-case';
export * from './list-images.use-case';
export * from './get-image.use-case';
export * from './delete-image.use-case';
export * from './restore-image.use-case';
export { deletionState, type DeletionState, type DeletionInForce } from './deletion-state';
export * from './check-upload.use-case';
export * from './services';
export * from './config';
export * from './errors';
export { sanitizeFilename, MAX_FILENAME_LENGTH, FALLBACK_FILENAME } from './filename';
export { parseUploadKey, isKeySafeUserId, decodeNotifiedKey, type UploadKeyParts } from './upload-key';
export { acceptedContentTypes } from './content-types';
export { ObjectCreatedEventSchema, parseObjectCreatedEvent, type ObjectCreatedEvent } from './object-created-event';
export { toImageView, toHistoryEntry, type ImageView, type HistoryEntry } from './image-view';
export { ROUTE_KEYS, matchRoute, type MatchedRoute, type RouteName } from './http/router';
export { errorResponse, jsonResponse, type ErrorBody, type HttpResponse } from './http/http-response';
export type { HttpApiEvent } from './http/request';
export { INGEST_SOURCE } from './publish';
