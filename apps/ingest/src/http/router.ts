import { API_ROUTES, type ApiRouteName } from '@imgpipe/workflow';
import { MethodNotAllowedError, RouteNotFoundError } from '../errors';

/** The routes of the ingest API (`API_ROUTES` of `@imgpipe/workflow`, which the ApiStack deploys). */
export type RouteName = ApiRouteName;

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

/** `/images/{id}` -> `^/images/([^/]+)/?$`: a `{param}` is one path segment; a trailing slash is allowed. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '([^/]+)' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/** The shared route list grouped by path, so a known path with another method is a 405, not a 404. */
const ROUTES: readonly RouteDefinition[] = [...new Set(API_ROUTES.map((route) => route.path))].map((path) => ({
  path,
  pattern: pathPattern(path),
  methods: Object.fromEntries(API_ROUTES.filter((route) => route.path === path).map((route) => [route.method, route.name])),
}));

/** The API's routes as API Gateway route keys (`POST /uploads`, ...), for infra and the local runtime. */
export const ROUTE_KEYS: readonly string[] = API_ROUTES.map((route) => route.routeKey);

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
