import { ApiError, createApiClient, postToGrant, routePath, type FetchLike } from './api-client';
import { API_ROUTES } from './api-routes';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
const record = { imageId: 'img 1', userId: 'u', uploadedAt: '2025-06-01T12:00:00.000Z', status: 'processed' };

/** A fetch that records each call and answers `answer` for it. */
function recording(answer: (url: string, init?: RequestInit) => Response) {
  const calls: Array<{ method: string; url: string }> = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ method: init?.method ?? 'GET', url });
    return answer(url, init);
  };
  return { calls, fetch };
}

describe('the one API client', () => {
  it('calls exactly the routes API_ROUTES declares, with their methods, ids encoded', async () => {
    const { calls, fetch } = recording((url, init) => {
      if (init?.method === 'POST' && url.endsWith('/uploads')) return json(200, { imageId: 'i', key: 'k', url: 'http://s3', fields: {}, expiresAt: 't' });
      if (init?.method === 'GET' && url.includes('/images?')) return json(200, { items: [record] });
      if (init?.method === 'DELETE') return new Response(null, { status: 202 });
      if (url.endsWith('/restore')) return json(200, { ...record, status: 'processing' });
      if (url.endsWith('/original')) return json(200, { imageId: 'img 1', url: 'http://s3/o?X-Amz-Signature=s', expiresAt: 't', filename: 'a.jpg' });
      return json(200, { imageId: 'img 1', image: record, history: [] });
    });
    const api = createApiClient({ apiBaseUrl: 'http://rt/api', cdnBaseUrl: '/cdn', getToken: () => 't', fetch });

    await api.createUpload({ filename: 'a.jpg', contentType: 'image/jpeg', bytes: 1 });
    await api.listImages({ limit: 5 });
    await api.getImage('img 1');
    expect(await api.getOriginal('img 1')).toMatchObject({ url: 'http://s3/o?X-Amz-Signature=s', filename: 'a.jpg' });
    await api.deleteImage('img 1');
    await api.restoreImage('img 1');

    const called = calls.map((c) => `${c.method} ${c.url.replace('http://rt/api', '').replace(/\?.*$/, '').replace('img%201', '{id}')}`);
    expect(called).toEqual(API_ROUTES.map((r) => r.routeKey));
  });

  it('validates every answer with the views schema: a wrong shape is BAD_RESPONSE, not a half-typed object', async () => {
    const { fetch } = recording(() => json(200, { imageId: 'i', key: 'k' }));
    const api = createApiClient({ apiBaseUrl: '', cdnBaseUrl: '', getToken: () => 't', fetch });

    const error = await api.createUpload({ filename: 'a.jpg', contentType: 'image/jpeg', bytes: 1 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', retryable: false });
  });

  it("reads object storage's XML refusal by its Code, keeps the body, and is an ImgpipeError", async () => {
    const xml = '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Policy check failed</Message></Error>';
    const error = await postToGrant({ url: 'http://s3', fields: {} }, new Uint8Array([1]), 'image/jpeg', 'a.jpg', async () => new Response(xml, { status: 403 })).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ name: 'ApiError', status: 403, code: 'AccessDenied', message: 'Policy check failed', body: xml });
  });

  it('fills a route path from API_ROUTES and refuses a missing id', () => {
    expect(routePath('restoreImage', 'a/b')).toBe('/images/a%2Fb/restore');
    expect(routePath('listImages')).toBe('/images');
    expect(() => routePath('getImage')).toThrow(TypeError);
  });
});
