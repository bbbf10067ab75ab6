import { toHttpApiEvent } from './api-gateway-event';

const claims = { iss: 'imgpipe-local', sub: 'alice', iat: 1748779200, exp: 1748822400 };
const now = new Date('2025-06-01T12:00:00.000Z');

describe('toHttpApiEvent', () => {
  it('builds the HTTP API v2 event a JWT authorizer passes on, claims as strings', () => {
    const event = toHttpApiEvent(
      {
        method: 'post',
        path: '/uploads',
        query: '',
        headers: { 'content-type': 'application/json', host: '127.0.0.1:3000', 'user-agent': 'test' },
        body: Buffer.from('{"filename":"a.jpg"}'),
        sourceIp: '127.0.0.1',
        host: '127.0.0.1:3000',
      },
      claims,
      now,
    );

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /uploads',
      rawPath: '/uploads',
      body: '{"filename":"a.jpg"}',
      isBase64Encoded: false,
      requestContext: {
        authorizer: { jwt: { claims: { sub: 'alice', iss: 'imgpipe-local', iat: '1748779200', exp: '1748822400' } } },
        http: { method: 'POST', path: '/uploads', sourceIp: '127.0.0.1', userAgent: 'test' },
        routeKey: 'POST /uploads',
        stage: '$default',
        timeEpoch: now.getTime(),
      },
    });
  });

  it('decodes the query (repeated parameters joined by commas), matches path routes, base64s a binary body', () => {
    const event = toHttpApiEvent(
      {
        method: 'GET',
        path: '/images/0197a1b2',
        query: 'limit=5&tag=a&tag=b%20c',
        headers: { 'content-type': 'application/octet-stream', cookie: 'a=1; b=2' },
        body: Buffer.from([0xff, 0x00]),
        sourceIp: '::1',
        host: 'localhost',
      },
      claims,
      now,
    );

    expect(event.queryStringParameters).toEqual({ limit: '5', tag: 'a,b c' });
    expect(event.routeKey).toBe('GET /images/{id}');
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event).toMatchObject({ body: '/wA=', isBase64Encoded: true });
  });

  it('names the restore route, which the API lists once for every runtime', () => {
    const request = { method: 'POST', path: '/images/0197a1b2/restore', query: '', headers: {}, sourceIp: '127.0.0.1', host: 'localhost' };

    expect(toHttpApiEvent(request, claims, now).routeKey).toBe('POST /images/{id}/restore');
    expect(toHttpApiEvent({ ...request, method: 'GET' }, claims, now).routeKey).toBe('$default');
  });

  it('falls back to the $default route for a path the API does not have', () => {
    expect(
      toHttpApiEvent({ method: 'GET', path: '/nope', query: '', headers: {}, sourceIp: '127.0.0.1', host: 'localhost' }, claims, now)
        .routeKey,
    ).toBe('$default');
  });
});
