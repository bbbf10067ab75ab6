import { API_METHODS, API_ROUTES } from './api-routes';

describe('API_ROUTES', () => {
  it('lists the six operations of the upload API with their API Gateway route keys', () => {
    expect(API_ROUTES.map((route) => [route.name, route.routeKey])).toEqual([
      ['createUpload', 'POST /uploads'],
      ['listImages', 'GET /images'],
      ['getImage', 'GET /images/{id}'],
      ['getOriginal', 'GET /images/{id}/original'],
      ['deleteImage', 'DELETE /images/{id}'],
      ['restoreImage', 'POST /images/{id}/restore'],
    ]);
  });

  it('derives every route key from its method and path', () => {
    for (const route of API_ROUTES) {
      expect(route.routeKey).toBe(`${route.method} ${route.path}`);
      expect(API_METHODS).toContain(route.method);
    }
  });

  it('has unique names and route keys, and paths API Gateway accepts (absolute, {param} segments)', () => {
    expect(new Set(API_ROUTES.map((route) => route.name)).size).toBe(API_ROUTES.length);
    expect(new Set(API_ROUTES.map((route) => route.routeKey)).size).toBe(API_ROUTES.length);
    for (const route of API_ROUTES) {
      expect(route.path).toMatch(/^(\/([a-z0-9-]+|\{[a-zA-Z]+\}))+$/);
    }
  });
});
