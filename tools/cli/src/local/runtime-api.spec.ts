import { ApiError, RuntimeApi } from './runtime-api';

interface Call {
  readonly url: string;
  readonly init: RequestInit | undefined;
}

/** A fetch answering from a queue, recording each call. */
function fakeFetch(...answers: Response[]) {
  const calls: Call[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    const answer = answers.shift();
    if (!answer) throw new TypeError('fetch failed');
    return answer;
  }) as typeof fetch;
  return { impl, calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('RuntimeApi', () => {
  it('signs in with POST /auth/dev-login and sends the token on every API call', async () => {
    const { impl, calls } = fakeFetch(json(200, { token: 'tok' }), json(200, { imageId: 'i', key: 'k', url: 'http://s3/originals', fields: {}, expiresAt: 'x' }));

    const api = await RuntimeApi.signIn('http://127.0.0.1:3000/', 'dev', impl);
    await api.createUpload({ filename: 'a.jpg', contentType: 'image/jpeg', bytes: 3 });

    expect(calls[0]).toEqual({
      url: 'http://127.0.0.1:3000/auth/dev-login',
      init: { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: '{"user":"dev"}' },
    });
    expect(calls[1]?.url).toBe('http://127.0.0.1:3000/api/uploads');
    expect(calls[1]?.init).toMatchObject({
      method: 'POST',
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
      body: '{"filename":"a.jpg","contentType":"image/jpeg","bytes":3}',
    });
  });

  it("uploads as a browser form does: the grant's fields in order, then the file as `file`", async () => {
    const { impl, calls } = fakeFetch(json(200, { token: 'tok' }), new Response(null, { status: 204 }));
    const api = await RuntimeApi.signIn('http://rt', 'dev', impl);

    await api.upload({ url: 'http://s3/originals', fields: { key: 'uploads/dev/i/a.jpg', 'Content-Type': 'image/jpeg', Policy: 'p' } }, new Uint8Array([1, 2, 3]), 'image/jpeg', 'a.jpg');

    const form = calls[1]?.init?.body as FormData;
    expect(calls[1]?.url).toBe('http://s3/originals');
    expect([...form.keys()]).toEqual(['key', 'Content-Type', 'Policy', 'file']);
    const file = form.get('file') as File;
    expect([file.name, file.type, file.size]).toEqual(['a.jpg', 'image/jpeg', 3]);
    // The presigned POST is not the API: no bearer token goes to object storage.
    expect(calls[1]?.init?.headers).toBeUndefined();
  });

  it("turns the API's { code, message } and the object store's XML into an ApiError with the code", async () => {
    const xml = '<?xml version="1.0"?><Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>';
    const { impl } = fakeFetch(json(200, { token: 'tok' }), json(404, { code: 'NOT_FOUND', message: 'no image x' }), new Response(xml, { status: 400 }));
    const api = await RuntimeApi.signIn('http://rt', 'dev', impl);

    const missing = await api.image('x').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'no image x' });
    const refused = await api.upload({ url: 'http://s3', fields: {} }, new Uint8Array([1]), 'image/jpeg', 'a.jpg').catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' });
  });

  it('reads only the image events of /api/events, with the token in the query', async () => {
    const stream = 'retry: 2000\n\nevent: stats\ndata: {}\n\nevent: image\ndata: {"imageId":"i","detailType":"ImageProcessed","status":"processed"}\n\n';
    const { impl, calls } = fakeFetch(json(200, { token: 't/k' }), new Response(stream, { headers: { 'content-type': 'text/event-stream' } }));
    const api = await RuntimeApi.signIn('http://rt', 'dev', impl);

    const changes = [];
    for await (const change of api.imageChanges(new AbortController().signal)) changes.push(change);

    expect(calls[1]?.url).toBe('http://rt/api/events?access_token=t%2Fk');
    expect(changes).toEqual([{ imageId: 'i', detailType: 'ImageProcessed', status: 'processed' }]);
  });

  it('sends replay, an operator action, with the admin token instead of the user’s', async () => {
    const result = { replayName: 'r', replayed: 0, byDetailType: {}, from: 'a', to: 'b' };
    const { impl, calls } = fakeFetch(json(200, { token: 'user-tok' }), json(200, result));
    const api = await RuntimeApi.signIn('http://rt', 'dev', impl, { adminToken: async () => 'admin-tok' });

    expect(await api.replay({ from: '2025-01-01T00:00:00.000Z' })).toEqual(result);
    expect(calls[1]?.url).toBe('http://rt/admin/replay');
    expect(calls[1]?.init?.headers).toMatchObject({ authorization: 'Bearer admin-tok' });
  });

  it('refuses to replay without a way to read the admin token', async () => {
    const { impl, calls } = fakeFetch(json(200, { token: 'user-tok' }));
    const api = await RuntimeApi.signIn('http://rt', 'dev', impl);

    await expect(api.replay({ from: 'x' })).rejects.toMatchObject({ code: 'ADMIN_TOKEN_UNAVAILABLE' });
    expect(calls).toHaveLength(1);
  });
});
