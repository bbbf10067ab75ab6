import { MethodNotAllowedError, RouteNotFoundError } from '../errors';

/** The routes of the ingest API. */
export type RouteName = 'createUpload' | 'listImages' | 'getImage' | 'deleteImage';

export interface MatchedRoute {
  readonly name: RouteName;
  /** `{id}` of `/images/{id}`, URL-decoded. */
  readonly id?: string;
}

interface RouteDefinition {
  /** As API Gateway writes route keys: `/images/{id}`. */
  readonly path: string;
  readonly pattern: RegExp;
  readonly methods: Readonly<Partial<Record<string, RouteName>>>;
}

const ROUTES: readonly RouteDefinition[] = [
  { path: '/uploads', pattern: /^\/uploads\/?$/, methods: { POST: 'createUpload' } },
  { path: '/images', pattern: /^\/images\/?$/, methods: { GET: 'listImages' } },
  { path: '/images/{id}', pattern: /^\/images\/([^/]+)\/?$/, methods: { GET: 'getImage', DELETE: 'deleteImage' } },
];

/** The API's routes as API Gateway route keys (`POST /uploads`, ...), for infra and the local runtime. */
export const ROUTE_KEYS: readonly string[] = ROUTES.flatMap((route) =>
  Object.keys(route.methods).map((method) => `${method} ${route.path}`),
);

/**
 * The route for a method and path.
 *
 * @throws RouteNotFoundError when no route has the path.
 * @throws MethodNotAllowedError when the path exists but not with this method.
 */
export function matchRoute(method: string, path: string): MatchedRoute {
  const verb = method.toUpperCase();
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const name = route.methods[verb];
    if (!name) throw new MethodNotAllowedError(verb, path, Object.keys(route.methods));
    const raw = match[1];
    if (raw === undefined) return { name };
    let id: string;
    try {
      id = decodeURIComponent(raw);
    } catch {
      throw new RouteNotFoundError(verb, path);
    }
    return { name, id };
  }
  throw new RouteNotFoundError(verb, path);
}
