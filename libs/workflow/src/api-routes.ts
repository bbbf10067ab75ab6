/** The HTTP methods the upload API uses. */
export const API_METHODS = ['GET', 'POST', 'DELETE'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/** One route of the upload API: which operation of ingest's HTTP handler a method and path reach. */
export interface ApiRoute<Name extends string = string, Method extends ApiMethod = ApiMethod, Path extends string = string> {
  /** The operation ingest's HTTP handler runs for it. */
  readonly name: Name;
  readonly method: Method;
  /** As API Gateway writes paths: a path parameter is `{id}`. */
  readonly path: Path;
  /** API Gateway's route key, `${method} ${path}`: what `$context.routeKey` and `requestContext.routeKey` carry. */
  readonly routeKey: `${Method} ${Path}`;
}

function apiRoute<Name extends string, Method extends ApiMethod, Path extends string>(
  name: Name,
  method: Method,
  path: Path,
): ApiRoute<Name, Method, Path> {
  return { name, method, path, routeKey: `${method} ${path}` };
}

/**
 * The routes of the upload API, in one place: ingest's HTTP handler routes requests by
 * them, the CDK app's `ApiStack` creates one HTTP API route each (all behind the JWT
 * authorizer, all to ingest's one HTTP function), and the local runtime builds its
 * API Gateway events with their route keys.
 *
 * @example
 * API_ROUTES.find((r) => r.name === 'getImage')?.routeKey; // 'GET /images/{id}'
 */
export const API_ROUTES = [
  apiRoute('createUpload', 'POST', '/uploads'),
  // ?limit&cursor&status&format&q (the contracts' IMAGE_LIST_STATUSES, IMAGE_LIST_FORMATS, nameSearchKey); `total` on the first page.
  apiRoute('listImages', 'GET', '/images'),
  apiRoute('getImage', 'GET', '/images/{id}'),
  // A short-lived signed GET URL of the caller's original (404 for anyone else's image).
  apiRoute('getOriginal', 'GET', '/images/{id}/original'),
  apiRoute('deleteImage', 'DELETE', '/images/{id}'),
  // Undoes a delete within the undo window: the image goes back through the pipeline.
  apiRoute('restoreImage', 'POST', '/images/{id}/restore'),
] as const;

/** The operations of the upload API: `createUpload`, `listImages`, `getImage`, `getOriginal`, `deleteImage`, `restoreImage`. */
export type ApiRouteName = (typeof API_ROUTES)[number]['name'];
