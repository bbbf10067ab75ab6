import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { withImageContext, type ApiRateClass } from '@imgpipe/platform';
import { RateLimitedError } from '../errors';
import { errorResponse, jsonResponse, type ErrorLog, type HttpResponse } from '../http/http-response';
import { callerId, jsonBody, queryOf, routePath, type HttpApiEvent } from '../http/request';
import { matchRoute } from '../http/router';
import type { IngestServices } from '../services';

/** The use cases the HTTP API calls. */
export type HttpApiServices = Pick<IngestServices, 'createUpload' | 'listImages' | 'getImage' | 'getOriginal' | 'deleteImage' | 'restoreImage'>;

export interface HttpApiHandlerOptions {
  readonly log?: ErrorLog;
  /** Called with the class of every request refused with 429 (the composition root counts it: `RequestsRateLimited`). */
  readonly onRateLimited?: (rateClass: ApiRateClass) => void;
}

/**
 * The ingest HTTP API as one Lambda handler (API Gateway HTTP API v2 payload, JWT
 * authorizer): route, identify the caller, call the use case, map the result or the error.
 * `services` is called on the first request (cold start), not at import.
 */
export function createHttpApiHandler(services: () => HttpApiServices, options: HttpApiHandlerOptions = {}) {
  return async function httpApi(event: HttpApiEvent): Promise<HttpResponse & APIGatewayProxyStructuredResultV2> {
    try {
      const route = matchRoute(event.requestContext.http.method, routePath(event));
      const userId = callerId(event);
      switch (route.name) {
        case 'createUpload': {
          const upload = await services().createUpload(userId, jsonBody(event));
          return jsonResponse(201, upload);
        }
        case 'listImages':
          return jsonResponse(200, await services().listImages(userId, queryOf(event)));
        case 'getImage': {
          const id = route.id ?? '';
          return await withImageContext({ imageId: id }, async () => jsonResponse(200, await services().getImage(userId, id)));
        }
        case 'getOriginal': {
          const id = route.id ?? '';
          // A signed URL is a credential for a few minutes: like every answer here, `no-store`.
          return await withImageContext({ imageId: id }, async () => jsonResponse(200, await services().getOriginal(userId, id)));
        }
        case 'deleteImage': {
          const id = route.id ?? '';
          return await withImageContext({ imageId: id }, async () => {
            const { imageId, deletedKeys, undoUntil } = await services().deleteImage(userId, id);
            return jsonResponse(200, { imageId, status: 'deleted', deletedKeys, ...(undoUntil ? { undoUntil } : {}) });
          });
        }
        case 'restoreImage': {
          const id = route.id ?? '';
          return await withImageContext({ imageId: id }, async () => {
            const { image } = await services().restoreImage(userId, id);
            // Accepted: the image is processing again; GET /images/{id} follows it.
            return jsonResponse(202, image);
          });
        }
      }
    } catch (error) {
      if (error instanceof RateLimitedError) options.onRateLimited?.(error.rateClass);
      return errorResponse(error, options.log);
    }
  };
}
