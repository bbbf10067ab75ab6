import {
  ApiError,
  cdnUrl,
  createApiClient,
  decodeImageChange,
  decodeImageDetails,
  decodeImageList,
  decodeImageView,
  decodeStats,
  describeError,
  devLogin,
  eventsUrl,
  parseApiError,
  type FetchLike,
} from './api';

/** An image record as the metadata projection writes it and ingest returns it. */
const processed = {
  imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
  userId: 'dev',
  uploadedAt: '2025-06-01T12:00:00.000Z',
  status: 'processed',
  originalKey: 'uploads/dev/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/holiday.jpg',
  originalSize: 4812331,
  format: 'jpeg',
  width: 4032,
  height: 3024,
  renditionsVersion: 'rs-7c4a8d09',
  compressedKey: 'compressed/dev/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.webp',
  compressedSize: 1204117,
  savingsPercent: 74.98,
  thumbnails: { small: 'thumbnails/dev/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/small.jpg' },
  processingTimeMs: 2140,
  updatedAt: '2025-06-01T12:00:02.140Z',
};

describe('parseApiError', () => {
  it('reads the JSON error body with its fields', () => {
    const error = parseApiError(
      400,
      JSON.stringify({ code: 'INVALID_REQUEST', message: 'contentType: must be one of image/jpeg', fields: ['contentType', 7] }),
    );

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: 'contentType: must be one of image/jpeg' });
    expect(error.fields).toEqual(['contentType']);
  });

  it('never shows a proxy HTML page: a non-JSON body gets a message for its status', () => {
    const error = parseApiError(502, '<html><body>Bad Gateway</body></html>');

    expect(error).toMatchObject({ status: 502, code: 'HTTP_502', message: 'The server is unavailable; try again.' });
  });

  it('says the file is too large for an empty 413', () => {
    expect(parseApiError(413, '')).toMatchObject({ code: 'HTTP_413', message: 'The file is too large.' });
  });

  it('falls back when the JSON lacks a code or a message', () => {
    expect(parseApiError(418, '{"message":"teapot"}')).toMatchObject({ code: 'HTTP_418', message: 'The server refused the request (HTTP 418).' });
    expect(parseApiError(507, 'null').code).toBe('HTTP_507');
  });
});

describe('describeError', () => {
  it('adds the code of a server error, not of a network error', () => {
    expect(describeError(new ApiError({ status: 404, code: 'NOT_FOUND', message: 'image x was not found' }))).toBe('image x was not found (NOT_FOUND)');
    expect(describeError(new ApiError({ status: 0, code: 'NETWORK', message: 'The server could not be reached.' }))).toBe('The server could not be reached.');
    expect(describeError('boom')).toBe('Something went wrong.');
  });
});

describe('decodeImageView', () => {
  it('reads a processed record', () => {
    expect(decodeImageView(processed)).toEqual(processed);
  });

  it('drops fields of the wrong type and unknown fields, keeps the record', () => {
    const view = decodeImageView({ ...processed, originalSize: '4812331', thumbnails: { small: 1, large: 'k' }, revision: 3, extra: {} });

    expect(view?.originalSize).toBeUndefined();
    expect(view?.thumbnails).toEqual({ large: 'k' });
    expect(view).not.toHaveProperty('revision');
    expect(view).not.toHaveProperty('extra');
  });

  it('reads a failure and shows an unknown status as processing', () => {
    const failed = decodeImageView({ ...processed, status: 'failed', failure: { code: 'CORRUPT', reason: 'Not an image.', stage: 'ingest' } });
    const future = decodeImageView({ ...processed, status: 'reprocessing' });

    expect(failed?.failure).toEqual({ code: 'CORRUPT', reason: 'Not an image.', stage: 'ingest' });
    expect(future?.status).toBe('processing');
  });

  it('refuses a value without the record key', () => {
    const { userId: _userId, ...withoutUser } = processed;
    expect(decodeImageView(withoutUser)).toBeUndefined();
    expect(decodeImageView('x')).toBeUndefined();
  });
});

describe('decodeImageList', () => {
  it('keeps readable items and the cursor', () => {
    const list = decodeImageList({ items: [processed, { imageId: 1 }], cursor: 'abc' });

    expect(list.items.map((i) => i.imageId)).toEqual([processed.imageId]);
    expect(list.cursor).toBe('abc');
  });

  it('has no cursor on the last page and throws BAD_RESPONSE for a non-list', () => {
    expect(decodeImageList({ items: [] })).toEqual({ items: [] });
    expect(() => decodeImageList({ images: [] })).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
  });
});

describe('decodeImageDetails', () => {
  it('reads a history oldest first with its data, and an image not projected yet as null', () => {
    const details = decodeImageDetails({
      imageId: 'img1',
      image: null,
      history: [
        { sequence: 2, eventId: 'e2', detailType: 'ImageProcessingFailed', source: 'imgpipe.ingest', occurredAt: 't2', data: { code: 'CORRUPT' } },
        { sequence: 1, eventId: 'e1', detailType: 'ImageUploaded', source: 'imgpipe.ingest', occurredAt: 't1', correlationId: 'c', data: {} },
        { detailType: 'NoSequence' },
      ],
    });

    expect(details.image).toBeNull();
    expect(details.history.map((e) => e.sequence)).toEqual([1, 2]);
    expect(details.history[1]?.data).toEqual({ code: 'CORRUPT' });
    expect(details.history[0]?.correlationId).toBe('c');
  });
});

describe('decodeImageDetails with a whole detail envelope', () => {
  it('takes detail.data when the entry has no data', () => {
    const details = decodeImageDetails({
      imageId: 'img1',
      image: null,
      history: [{ sequence: 1, detailType: 'ImageDeleted', detail: { version: 1, data: { deletedKeys: ['k'] } } }],
    });

    expect(details.history[0]?.data).toEqual({ deletedKeys: ['k'] });
  });
});

describe('decodeStats', () => {
  it('defaults missing counts to 0 and missing percentiles to null', () => {
    expect(decodeStats({ processed: 3, failedByCode: { CORRUPT: 2, BAD: 'x' } })).toEqual({
      processed: 3,
      failed: 0,
      failedByCode: { CORRUPT: 2 },
      processing: 0,
      p50Ms: null,
      p95Ms: null,
      bytesSaved: 0,
      originalBytes: 0,
      dlqDepth: 0,
    });
  });
});

describe('decodeImageChange', () => {
  it('reads an image event and ignores one without an image id', () => {
    expect(decodeImageChange({ imageId: 'a', detailType: 'ImageProcessed', status: 'processed', occurredAt: 't' })).toEqual({
      imageId: 'a',
      detailType: 'ImageProcessed',
      status: 'processed',
      occurredAt: 't',
    });
    expect(decodeImageChange({ imageId: 'a', status: 'weird' })).toEqual({ imageId: 'a', detailType: 'unknown' });
    expect(decodeImageChange({ detailType: 'ImageProcessed' })).toBeUndefined();
  });

  it('reads the record a change carries, and drops one that is not a record', () => {
    const image = { imageId: 'a', userId: 'u', uploadedAt: 't0', status: 'processing', thumbnails: { card: 'thumbnails/u/a/v/card.jpg', odd: 7 } };
    expect(decodeImageChange({ imageId: 'a', detailType: 'ThumbnailsGenerated', status: 'processing', image })).toEqual({
      imageId: 'a',
      detailType: 'ThumbnailsGenerated',
      status: 'processing',
      image: { imageId: 'a', userId: 'u', uploadedAt: 't0', status: 'processing', thumbnails: { card: 'thumbnails/u/a/v/card.jpg' } },
    });
    expect(decodeImageChange({ imageId: 'a', detailType: 'ThumbnailsGenerated', image: { imageId: 'a', status: 'processing' } })).toEqual({
      imageId: 'a',
      detailType: 'ThumbnailsGenerated',
    });
  });
});

describe('URLs', () => {
  it('encodes each key segment but keeps the slashes, under the configured CDN prefix', () => {
    expect(cdnUrl('thumbnails/a b/img#1/small.jpg', '/cdn')).toBe('/cdn/thumbnails/a%20b/img%231/small.jpg');
    // Behind CloudFront the objects are at the distribution's root.
    expect(cdnUrl('thumbnails/u/img/small.jpg', '')).toBe('/thumbnails/u/img/small.jpg');
    expect(cdnUrl('thumbnails/u/img/small.jpg', 'https://images.example')).toBe('https://images.example/thumbnails/u/img/small.jpg');
  });

  it('puts the token in the events URL, encoded, after any query the URL has', () => {
    expect(eventsUrl('http://h/api/events', 'a.b+c')).toBe('http://h/api/events?access_token=a.b%2Bc');
    expect(eventsUrl('/events?v=2', 't')).toBe('/events?v=2&access_token=t');
  });
});

describe('createApiClient', () => {
  interface Call {
    url: string;
    init: RequestInit | undefined;
  }
  function fakeFetch(status: number, body: string): { fetch: FetchLike; calls: Call[] } {
    const calls: Call[] = [];
    return {
      calls,
      fetch: async (url, init) => {
        calls.push({ url, init });
        return new Response(status === 204 ? null : body, { status });
      },
    };
  }
  const header = (call: Call | undefined, name: string) => (call?.init?.headers as Record<string, string> | undefined)?.[name];
  /** The local runtime's places. */
  const local = { apiBaseUrl: '/api', cdnBaseUrl: '/cdn', statsUrl: '/api/stats' } as const;
  /** An AWS deployment's: the HTTP API on its own domain, no stats. */
  const aws = { apiBaseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com', cdnBaseUrl: '', statsUrl: null } as const;

  it('sends the bearer token and builds the listing query under the API prefix', async () => {
    const { fetch, calls } = fakeFetch(200, JSON.stringify({ items: [processed], cursor: 'n' }));
    const api = createApiClient({ ...aws, getToken: () => 'tok', fetch });

    const list = await api.listImages({ limit: 20, cursor: 'a+b/c' });

    expect(calls[0]?.url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/images?limit=20&cursor=a%2Bb%2Fc');
    expect(header(calls[0], 'authorization')).toBe('Bearer tok');
    expect(list.cursor).toBe('n');
  });

  it('waits for a token that is being refreshed', async () => {
    const { fetch, calls } = fakeFetch(200, JSON.stringify({ items: [] }));
    const api = createApiClient({ ...aws, getToken: async () => 'fresh', fetch });

    await api.listImages();

    expect(header(calls[0], 'authorization')).toBe('Bearer fresh');
  });

  it('posts the upload declaration as JSON to <api>/uploads and returns the grant', async () => {
    const grant = { imageId: 'i', key: 'uploads/u/i/a.jpg', url: 'http://s3/b', fields: { key: 'k', Policy: 'p' }, expiresAt: 't' };
    const { fetch, calls } = fakeFetch(201, JSON.stringify(grant));
    const api = createApiClient({ ...local, getToken: () => 'tok', fetch });

    const result = await api.createUpload({ filename: 'a.jpg', contentType: 'image/jpeg', bytes: 10 });

    expect(calls[0]?.url).toBe('/api/uploads');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ filename: 'a.jpg', contentType: 'image/jpeg', bytes: 10 });
    expect(header(calls[0], 'content-type')).toBe('application/json');
    expect(result).toEqual(grant);
  });

  it('encodes the image id in the path', async () => {
    const { fetch, calls } = fakeFetch(200, JSON.stringify({ imageId: 'a/b', image: null, history: [] }));
    await createApiClient({ ...local, getToken: () => 't', fetch }).getImage('a/b');

    expect(calls[0]?.url).toBe('/api/images/a%2Fb');
  });

  it('reads the stats from statsUrl, and has no getStats without one', async () => {
    const { fetch, calls } = fakeFetch(200, JSON.stringify({ processed: 3 }));
    const withStats = createApiClient({ ...local, getToken: () => 't', fetch });
    expect(await withStats.getStats?.()).toMatchObject({ processed: 3, failed: 0 });
    expect(calls[0]?.url).toBe('/api/stats');

    expect(createApiClient({ ...aws, getToken: () => 't', fetch }).getStats).toBeUndefined();
  });

  it('builds object URLs under the CDN prefix', () => {
    const api = createApiClient({ ...aws, getToken: () => null });
    expect(api.objectUrl('thumbnails/u/i/small.jpg')).toBe('/thumbnails/u/i/small.jpg');
    // The negotiated full-size URL is the delivery record's own, never built from a key here.
    expect(api).not.toHaveProperty('negotiatedUrl');
    expect(createApiClient({ ...local, getToken: () => null }).objectUrl('thumbnails/u/i/small.jpg')).toBe('/cdn/thumbnails/u/i/small.jpg');
  });

  it('rejects with the server error and reports a 401', async () => {
    const { fetch } = fakeFetch(401, JSON.stringify({ code: 'UNAUTHENTICATED', message: 'the request carries no authenticated user' }));
    const onUnauthorized = jest.fn();
    const api = createApiClient({ ...local, getToken: () => 'expired', fetch, onUnauthorized });

    await expect(api.listImages()).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('reads API Gateway’s own 401 (no code) as HTTP_401 and reports it', async () => {
    const { fetch } = fakeFetch(401, JSON.stringify({ message: 'Unauthorized' }));
    const onUnauthorized = jest.fn();
    const api = createApiClient({ ...aws, getToken: () => 'wrong-audience', fetch, onUnauthorized });

    await expect(api.getImage('i')).rejects.toMatchObject({ status: 401, code: 'HTTP_401' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('turns a failed fetch into a NETWORK error with status 0', async () => {
    const api = createApiClient({
      ...local,
      getToken: () => 't',
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });

    await expect(api.listImages()).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
  });

  it('accepts a delete answered 202 without a body', async () => {
    const { fetch, calls } = fakeFetch(202, '');
    const result = await createApiClient({ ...local, getToken: () => 't', fetch }).deleteImage('img1');

    expect(calls[0]?.init?.method).toBe('DELETE');
    expect(result).toEqual({ imageId: 'img1', deletedKeys: [] });
  });

  it('lists the recently deleted images with their undo deadline', async () => {
    const deleted = { ...processed, status: 'deleted', deletedAt: '2025-06-01T12:00:00.000Z', undoUntil: '2025-06-08T12:00:00.000Z' };
    const { fetch, calls } = fakeFetch(200, JSON.stringify({ items: [deleted] }));
    const api = createApiClient({ ...local, getToken: () => 't', fetch });

    const list = await api.listImages({ limit: 50, status: 'deleted' });

    expect(calls[0]?.url).toBe('/api/images?limit=50&status=deleted');
    expect(list.items[0]).toMatchObject({ status: 'deleted', deletedAt: '2025-06-01T12:00:00.000Z', undoUntil: '2025-06-08T12:00:00.000Z' });
    await api.listImages({ status: 'active' });
    expect(calls[1]?.url).toBe('/api/images');
  });

  it('sends the filters, the name search trimmed and encoded, and reads the total', async () => {
    const { fetch, calls } = fakeFetch(200, JSON.stringify({ items: [processed], total: 42 }));
    const api = createApiClient({ ...local, getToken: () => 't', fetch });

    const list = await api.listImages({ limit: 100, status: 'failed', format: 'heif', q: '  Harbour & co ' });
    await api.listImages({ q: '   ' });

    expect(calls[0]?.url).toBe('/api/images?limit=100&status=failed&format=heif&q=Harbour+%26+co');
    expect(calls[1]?.url).toBe('/api/images');
    expect(list.total).toBe(42);
  });

  it('keeps the undo deadline a delete answers with', async () => {
    const { fetch } = fakeFetch(200, JSON.stringify({ imageId: 'img1', status: 'deleted', deletedKeys: ['k'], undoUntil: '2025-06-08T12:00:00.000Z' }));
    const result = await createApiClient({ ...local, getToken: () => 't', fetch }).deleteImage('img1');

    expect(result).toEqual({ imageId: 'img1', deletedKeys: ['k'], undoUntil: '2025-06-08T12:00:00.000Z' });
  });

  it('restores with POST <api>/images/{id}/restore and returns the image, processing again', async () => {
    const { fetch, calls } = fakeFetch(202, JSON.stringify({ ...processed, imageId: 'a/b', status: 'processing' }));
    const image = await createApiClient({ ...local, getToken: () => 't', fetch }).restoreImage('a/b');

    expect(calls[0]?.url).toBe('/api/images/a%2Fb/restore');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(header(calls[0], 'authorization')).toBe('Bearer t');
    expect(image).toMatchObject({ imageId: 'a/b', status: 'processing' });
  });

  it('rejects a restore the server refuses with its code', async () => {
    const { fetch } = fakeFetch(409, JSON.stringify({ code: 'UNDO_WINDOW_PASSED', message: 'image x cannot be restored: the undo window has passed' }));
    await expect(createApiClient({ ...local, getToken: () => 't', fetch }).restoreImage('x')).rejects.toMatchObject({ status: 409, code: 'UNDO_WINDOW_PASSED' });
  });

  it('rejects an answer of the wrong shape as BAD_RESPONSE', async () => {
    const { fetch } = fakeFetch(201, JSON.stringify({ imageId: 'i' }));
    await expect(createApiClient({ ...local, getToken: () => 't', fetch }).createUpload({ filename: 'a', contentType: 'image/png', bytes: 1 })).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
    });
  });
});

describe('devLogin', () => {
  it('posts the user to the login URL without a bearer token and returns the token', async () => {
    const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
    const fetch: FetchLike = async (url, init) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ token: 'new' }), { status: 200 });
    };

    expect(await devLogin('/auth/dev-login', 'alice', fetch)).toBe('new');
    expect(calls[0]?.url).toBe('/auth/dev-login');
    expect(calls[0]?.init?.method).toBe('POST');
    expect((calls[0]?.init?.headers as Record<string, string>)['authorization']).toBeUndefined();
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ user: 'alice' });
  });

  it('rejects with the server’s refusal', async () => {
    const fetch: FetchLike = async () => new Response('{"code":"FORBIDDEN","message":"loopback only"}', { status: 403 });
    await expect(devLogin('/auth/dev-login', 'alice', fetch)).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'loopback only' });
  });
});
