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
  eventsUrl,
  negotiatedUrl,
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
    expect(describeError(new ApiError(404, 'NOT_FOUND', 'image x was not found'))).toBe('image x was not found (NOT_FOUND)');
    expect(describeError(new ApiError(0, 'NETWORK', 'The server could not be reached.'))).toBe('The server could not be reached.');
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
});

describe('URLs', () => {
  it('encodes each key segment but keeps the slashes', () => {
    expect(cdnUrl('thumbnails/a b/img#1/small.jpg')).toBe('/cdn/thumbnails/a%20b/img%231/small.jpg');
  });

  it('drops the extension for the negotiated full-size URL, and only the last segment’s', () => {
    expect(negotiatedUrl('compressed/u/img/full.webp')).toBe('/cdn/compressed/u/img/full');
    expect(negotiatedUrl('compressed/u.v/img/full')).toBe('/cdn/compressed/u.v/img/full');
  });

  it('puts the token in the events URL, encoded', () => {
    expect(eventsUrl('a.b+c', 'http://h')).toBe('http://h/api/events?access_token=a.b%2Bc');
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

  it('sends the bearer token and builds the listing query', async () => {
    const { fetch, calls } = fakeFetch(200, JSON.stringify({ items: [processed], cursor: 'n' }));
    const api = createApiClient({ getToken: () => 'tok', fetch, baseUrl: 'http://h' });

    const list = await api.listImages({ limit: 20, cursor: 'a+b/c' });

    expect(calls[0]?.url).toBe('http://h/api/images?limit=20&cursor=a%2Bb%2Fc');
    expect(header(calls[0], 'authorization')).toBe('Bearer tok');
    expect(list.cursor).toBe('n');
  });

  it('posts the upload declaration as JSON and returns the grant', async () => {
    const grant = { imageId: 'i', key: 'uploads/u/i/a.jpg', url: 'http://s3/b', fields: { key: 'k', Policy: 'p' }, expiresAt: 't' };
    const { fetch, calls } = fakeFetch(201, JSON.stringify(grant));
    const api = createApiClient({ getToken: () => 'tok', fetch });

    const result = await api.createUpload({ filename: 'a.jpg', contentType: 'image/jpeg', bytes: 10 });

    expect(calls[0]?.init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ filename: 'a.jpg', contentType: 'image/jpeg', bytes: 10 });
    expect(header(calls[0], 'content-type')).toBe('application/json');
    expect(result).toEqual(grant);
  });

  it('encodes the image id in the path', async () => {
    const { fetch, calls } = fakeFetch(200, JSON.stringify({ imageId: 'a/b', image: null, history: [] }));
    await createApiClient({ getToken: () => 't', fetch }).getImage('a/b');

    expect(calls[0]?.url).toBe('/api/images/a%2Fb');
  });

  it('rejects with the server error and reports a 401', async () => {
    const { fetch } = fakeFetch(401, JSON.stringify({ code: 'UNAUTHENTICATED', message: 'the request carries no authenticated user' }));
    const onUnauthorized = jest.fn();
    const api = createApiClient({ getToken: () => 'expired', fetch, onUnauthorized });

    await expect(api.getStats()).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('turns a failed fetch into a NETWORK error with status 0', async () => {
    const api = createApiClient({
      getToken: () => 't',
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });

    await expect(api.getStats()).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
  });

  it('signs in a development user without a bearer token, and a 401 there is not a sign-out', async () => {
    const { fetch, calls } = fakeFetch(200, JSON.stringify({ token: 'new' }));
    const onUnauthorized = jest.fn();
    const api = createApiClient({ getToken: () => 'old', fetch, onUnauthorized });

    expect(await api.devLogin('alice')).toBe('new');
    expect(header(calls[0], 'authorization')).toBeUndefined();
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ user: 'alice' });

    const refused = createApiClient({ getToken: () => null, fetch: fakeFetch(403, '{"code":"FORBIDDEN","message":"loopback only"}').fetch, onUnauthorized });
    await expect(refused.devLogin('alice')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('accepts a delete answered 202 without a body', async () => {
    const { fetch, calls } = fakeFetch(202, '');
    const result = await createApiClient({ getToken: () => 't', fetch }).deleteImage('img1');

    expect(calls[0]?.init?.method).toBe('DELETE');
    expect(result).toEqual({ imageId: 'img1', deletedKeys: [] });
  });

  it('rejects an answer of the wrong shape as BAD_RESPONSE', async () => {
    const { fetch } = fakeFetch(201, JSON.stringify({ imageId: 'i' }));
    await expect(createApiClient({ getToken: () => 't', fetch }).createUpload({ filename: 'a', contentType: 'image/png', bytes: 1 })).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
    });
  });
});
