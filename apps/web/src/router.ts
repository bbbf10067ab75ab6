/** Hash routes: `#/` (upload and gallery), `#/images/<id>`, `#/deleted` (recently deleted), `#/dashboard`. */

export type Route =
  | { readonly name: 'home' }
  | { readonly name: 'image'; readonly imageId: string }
  | { readonly name: 'dashboard' }
  | { readonly name: 'deleted' }
  | { readonly name: 'not-found'; readonly path: string };

/**
 * The route of a location fragment.
 *
 * @example parseRoute('#/images/01J9ZQ'); // { name: 'image', imageId: '01J9ZQ' }
 */
export function parseRoute(hash: string): Route {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash;
  // A query (`#/?q=harb`: the gallery's filters, pages/gallery-query.ts) is the page's own state.
  const query = fragment.indexOf('?');
  const path = (query >= 0 ? fragment.slice(0, query) : fragment).replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/dashboard') return { name: 'dashboard' };
  if (path === '/deleted') return { name: 'deleted' };
  const image = /^\/images\/([^/]+)$/.exec(path);
  if (image?.[1]) {
    try {
      return { name: 'image', imageId: decodeURIComponent(image[1]) };
    } catch {
      return { name: 'not-found', path };
    }
  }
  return { name: 'not-found', path };
}

/** The fragment link of a route (`href` of an `<a>`). */
export function routeHref(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/';
    case 'dashboard':
      return '#/dashboard';
    case 'deleted':
      return '#/deleted';
    case 'image':
      return `#/images/${encodeURIComponent(route.imageId)}`;
    case 'not-found':
      return `#${route.path}`;
  }
}

/** Shorthand for an image page's link. */
export function imageHref(imageId: string): string {
  return routeHref({ name: 'image', imageId });
}
