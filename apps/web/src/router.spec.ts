import { imageHref, parseRoute, routeHref } from './router';

describe('parseRoute', () => {
  it.each([
    ['', { name: 'home' }],
    ['#', { name: 'home' }],
    ['#/', { name: 'home' }],
    ['#/?q=harb&status=failed', { name: 'home' }],
    ['#/dashboard', { name: 'dashboard' }],
    ['#/dashboard/', { name: 'dashboard' }],
    ['#/deleted', { name: 'deleted' }],
    ['#/images/01J9ZQ4V7W3M8K2N6P5R1T0XYZ', { name: 'image', imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ' }],
    ['#/images/a%2Fb', { name: 'image', imageId: 'a/b' }],
    ['#/images/%E0%A4%A', { name: 'not-found', path: '/images/%E0%A4%A' }],
    ['#/images/a/b', { name: 'not-found', path: '/images/a/b' }],
    ['#/nowhere', { name: 'not-found', path: '/nowhere' }],
  ])('%p', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });
});

describe('routeHref', () => {
  it('round-trips through parseRoute', () => {
    for (const route of [{ name: 'home' }, { name: 'dashboard' }, { name: 'deleted' }, { name: 'image', imageId: 'x y/z?' }] as const) {
      expect(parseRoute(routeHref(route))).toEqual(route);
    }
    expect(imageHref('a b')).toBe('#/images/a%20b');
  });
});
