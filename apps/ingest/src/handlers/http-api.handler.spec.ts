import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DependencyError } from '@imgpipe/platform';
import type { HttpApiEvent } from '../http/request';
import { createHarness, type Harness } from '../testing/ingest-harness';
import { createHttpApiHandler, type HttpApiServices } from './http-api.adapter';

const EVENTS_DIR = join(__dirname, '..', '..', 'events');
const SAMPLE_USER = '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b';
const SAMPLE_IMAGE = '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

function sample(name: string): HttpApiEvent {
  return JSON.parse(readFileSync(join(EVENTS_DIR, name), 'utf8')) as HttpApiEvent;
}

interface RequestOptions {
  readonly sub?: string | null;
  readonly body?: string;
  readonly base64?: boolean;
  readonly query?: Record<string, string>;
  readonly stage?: string;
}

/** An API event from the stored sample with another method, path, caller or body. */
function request(method: string, path: string, options: RequestOptions = {}): HttpApiEvent {
  const event = sample('api-get-images.json');
  const withStage = options.stage ? `/${options.stage}${path}` : path;
  event.rawPath = withStage;
  event.requestContext.http = { ...event.requestContext.http, method, path: withStage };
  event.requestContext.stage = options.stage ?? '$default';
  event.queryStringParameters = options.query;
  if (options.sub === null) {
    delete (event.requestContext as Partial<HttpApiEvent['requestContext']>).authorizer;
  } else if (options.sub !== undefined) {
    event.requestContext.authorizer.jwt.claims = { ...event.requestContext.authorizer.jwt.claims, sub: options.sub };
  }
  if (options.body !== undefined) {
    event.body = options.base64 ? Buffer.from(options.body).toString('base64') : options.body;
    event.isBase64Encoded = options.base64 ?? false;
  }
  return event;
}

function setup(env?: Record<string, string>, services?: Partial<HttpApiServices>) {
  const h = createHarness(env);
  const logged: unknown[] = [];
  const handler = createHttpApiHandler(() => ({ ...h.services, ...services }), {
    log: { error: (_message, attributes) => logged.push(attributes.error) },
  });
  const call = async (event: HttpApiEvent) => {
    const response = await handler(event);
    return { ...response, json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined };
  };
  return { h, call, logged };
}

const upload = { filename: 'photo.jpg', contentType: 'image/jpeg', bytes: 1000 };

async function seed(h: Harness, userId: string, imageId: string, uploadedAt = '2025-01-01T00:00:00.000Z') {
  await h.seedImage({ userId, imageId, uploadedAt });
}

describe('HTTP API handler', () => {
  describe('the stored sample events', () => {
    it.each(readdirSync(EVENTS_DIR).filter((f) => f.startsWith('api-')))('%s gets a successful JSON answer', async (file) => {
      const { h, call } = setup();
      await seed(h, SAMPLE_USER, SAMPLE_IMAGE);

      const response = await call(sample(file));

      expect(response.statusCode).toBeLessThan(300);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    });

    it('POST /uploads answers 201 with the grant', async () => {
      const { call } = setup();
      const response = await call(sample('api-post-uploads.json'));
      expect(response.statusCode).toBe(201);
      expect(Object.keys(response.json ?? {}).sort()).toEqual(['expiresAt', 'fields', 'imageId', 'key', 'url']);
      expect(response.json?.['key']).toBe(`uploads/${SAMPLE_USER}/${String(response.json?.['imageId'])}/Holiday_photo_1.jpg`);
    });
  });

  describe('routing', () => {
    it.each([
      ['GET', '/'],
      ['GET', '/nope'],
      ['POST', '/uploads/extra'],
      ['GET', '/images/a/b'],
    ])('%s %s is 404 ROUTE_NOT_FOUND', async (method, path) => {
      const { call } = setup();
      const response = await call(request(method, path));
      expect(response.statusCode).toBe(404);
      expect(response.json).toEqual({ code: 'ROUTE_NOT_FOUND', message: expect.stringContaining(path) });
    });

    it.each([
      ['GET', '/uploads', 'POST'],
      ['PUT', '/images', 'GET'],
      ['POST', '/images/img-1', 'GET, DELETE'],
      ['GET', '/images/img-1/restore', 'POST'],
    ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
      const { call } = setup();
      const response = await call(request(method, path));
      expect(response.statusCode).toBe(405);
      expect(response.headers['allow']).toBe(allow);
      expect(response.json).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    });

    it('strips a named stage from the path', async () => {
      const { call } = setup();
      const response = await call(request('GET', '/images', { stage: 'prod' }));
      expect(response.statusCode).toBe(200);
    });
  });

  describe('authentication', () => {
    it.each([
      ['no authorizer context', null],
      ['an empty sub', ''],
      ['a sub with a slash', 'evil/../other-user'],
    ])('answers 401 UNAUTHENTICATED for %s', async (_case, sub) => {
      const { call, h } = setup();
      const response = await call(request('POST', '/uploads', { sub, body: JSON.stringify(upload) }));
      expect(response.statusCode).toBe(401);
      expect(response.json).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
      expect(h.signer.requests).toHaveLength(0);
    });
  });

  describe('POST /uploads', () => {
    it('grants an upload under the caller’s own prefix', async () => {
      const { call } = setup();
      const response = await call(request('POST', '/uploads', { sub: 'alice', body: JSON.stringify(upload) }));
      expect(response.statusCode).toBe(201);
      expect(String(response.json?.['key'])).toMatch(/^uploads\/alice\/[0-9a-f-]{36}\/photo\.jpg$/);
    });

    it('reads a base64-encoded body', async () => {
      const { call } = setup();
      const response = await call(request('POST', '/uploads', { body: JSON.stringify(upload), base64: true }));
      expect(response.statusCode).toBe(201);
    });

    it.each([
      ['no body', undefined, 'body'],
      ['malformed JSON', '{"filename": ', 'body'],
      ['a JSON array', '[]', 'body'],
      ['a JSON string', '"photo.jpg"', 'body'],
      ['a missing field', JSON.stringify({ contentType: 'image/jpeg', bytes: 5 }), 'filename'],
      ['a wrong type', JSON.stringify({ ...upload, bytes: 'lots' }), 'bytes'],
      ['an unaccepted content type', JSON.stringify({ ...upload, contentType: 'image/svg+xml' }), 'contentType'],
    ])('answers 400 naming the field for %s', async (_case, body, field) => {
      const { call } = setup();
      const response = await call(request('POST', '/uploads', body === undefined ? {} : { body }));
      expect(response.statusCode).toBe(400);
      expect(response.json).toMatchObject({ code: 'INVALID_REQUEST', fields: [field] });
      expect(String(response.json?.['message'])).toContain(field);
    });

    it('answers 413 TOO_LARGE for a declared size over the limit', async () => {
      const { call, h } = setup({ MAX_UPLOAD_BYTES: '1000' });
      const response = await call(request('POST', '/uploads', { body: JSON.stringify({ ...upload, bytes: 1001 }) }));
      expect(response.statusCode).toBe(413);
      expect(response.json).toEqual({ code: 'TOO_LARGE', message: expect.stringContaining('1000') });
      expect(h.signer.requests).toHaveLength(0);
    });
  });

  describe('GET /images', () => {
    it('pages through the caller’s images with limit and cursor', async () => {
      const { h, call } = setup();
      await seed(h, 'alice', 'a-1', '2025-01-01T00:00:00.000Z');
      await seed(h, 'alice', 'a-2', '2025-01-02T00:00:00.000Z');
      await seed(h, 'bob', 'b-1', '2025-01-03T00:00:00.000Z');

      const first = await call(request('GET', '/images', { sub: 'alice', query: { limit: '1' } }));
      const cursor = String(first.json?.['cursor']);
      const second = await call(request('GET', '/images', { sub: 'alice', query: { limit: '1', cursor } }));

      expect((first.json?.['items'] as Array<{ imageId: string }>).map((i) => i.imageId)).toEqual(['a-2']);
      expect((second.json?.['items'] as Array<{ imageId: string }>).map((i) => i.imageId)).toEqual(['a-1']);
      expect(second.json).not.toHaveProperty('cursor');
    });

    it('answers 400 naming limit for a bad limit', async () => {
      const { call } = setup();
      const response = await call(request('GET', '/images', { query: { limit: '1000' } }));
      expect(response.statusCode).toBe(400);
      expect(response.json).toMatchObject({ code: 'INVALID_REQUEST', fields: ['limit'] });
    });
  });

  describe('GET and DELETE /images/{id}', () => {
    it('answers the record and the history', async () => {
      const { h, call } = setup();
      await seed(h, 'alice', 'img-1');
      const response = await call(request('GET', '/images/img-1', { sub: 'alice' }));
      expect(response.statusCode).toBe(200);
      expect(response.json).toMatchObject({ imageId: 'img-1', image: { userId: 'alice' }, history: [{ sequence: 1 }] });
    });

    it.each(['GET', 'DELETE'])('%s of another user’s image is 404, the same answer as an unknown id', async (method) => {
      const { h, call } = setup();
      await seed(h, 'alice', 'img-1');

      const foreign = await call(request(method, '/images/img-1', { sub: 'bob' }));
      const unknown = await call(request(method, '/images/img-2', { sub: 'bob' }));

      expect(foreign.statusCode).toBe(404);
      expect(unknown.statusCode).toBe(404);
      expect(foreign.json).toEqual({ code: 'NOT_FOUND', message: 'image img-1 was not found' });
      expect(unknown.json).toEqual({ code: 'NOT_FOUND', message: 'image img-2 was not found' });
      expect(h.publisher.published).toHaveLength(0);
    });

    it('DELETE answers 200 and repeats safely', async () => {
      const { h, call } = setup();
      await seed(h, 'alice', 'img-1');
      const first = await call(request('DELETE', '/images/img-1', { sub: 'alice' }));
      await h.storePublished();
      const second = await call(request('DELETE', '/images/img-1', { sub: 'alice' }));
      expect(first.statusCode).toBe(200);
      expect(first.json).toEqual({ imageId: 'img-1', status: 'deleted', deletedKeys: [], undoUntil: '2025-06-08T12:00:00.000Z' });
      expect(second.statusCode).toBe(200);
      expect(h.publisher.published).toHaveLength(1);
    });

    it('decodes the id from the path', async () => {
      const { h, call } = setup();
      await seed(h, 'alice', 'img-1');
      expect((await call(request('GET', '/images/img%2D1', { sub: 'alice' }))).statusCode).toBe(200);
      expect((await call(request('GET', '/images/%E0%A4%A', { sub: 'alice' }))).statusCode).toBe(404);
    });
  });

  describe('POST /images/{id}/restore', () => {
    it('answers 202 with the image processing again, after a delete', async () => {
      const { h, call } = setup();
      await seed(h, 'alice', 'img-1');
      await h.store.put({ bucket: h.config.originalsBucket, key: 'uploads/alice/img-1/photo.jpg', body: new Uint8Array([1]), contentType: 'image/jpeg' });
      await call(request('DELETE', '/images/img-1', { sub: 'alice' }));
      await h.storePublished();

      const response = await call(request('POST', '/images/img-1/restore', { sub: 'alice' }));

      expect(response.statusCode).toBe(202);
      expect(response.json).toMatchObject({ imageId: 'img-1', userId: 'alice', status: 'processing' });
      expect(h.publisher.published.map((e) => e.detailType)).toEqual(['ImageDeleted', 'ImageRestored', 'ImageUploaded']);
    });

    it('answers 409 NOT_DELETED for an image that is not deleted', async () => {
      const { h, call } = setup();
      await seed(h, 'alice', 'img-1');

      const response = await call(request('POST', '/images/img-1/restore', { sub: 'alice' }));

      expect(response.statusCode).toBe(409);
      expect(response.json).toEqual({ code: 'NOT_DELETED', message: 'image img-1 cannot be restored: it is not deleted' });
    });

    it('answers 404 for another user’s deleted image, the same answer as an unknown id', async () => {
      const { h, call } = setup();
      await seed(h, 'alice', 'img-1');
      await call(request('DELETE', '/images/img-1', { sub: 'alice' }));
      await h.storePublished();

      const foreign = await call(request('POST', '/images/img-1/restore', { sub: 'bob' }));
      const unknown = await call(request('POST', '/images/img-2/restore', { sub: 'bob' }));

      expect([foreign.statusCode, unknown.statusCode]).toEqual([404, 404]);
      expect(foreign.json).toEqual({ code: 'NOT_FOUND', message: 'image img-1 was not found' });
      expect(h.publisher.published).toHaveLength(1);
    });
  });

  describe('GET /images?status=deleted', () => {
    it('passes the status on and answers 400 naming status for an unknown one', async () => {
      const { h, call } = setup();
      await seed(h, 'alice', 'img-1');

      const deleted = await call(request('GET', '/images', { sub: 'alice', query: { status: 'deleted' } }));
      const bad = await call(request('GET', '/images', { sub: 'alice', query: { status: 'all' } }));

      expect(deleted.statusCode).toBe(200);
      expect(deleted.json).toEqual({ items: [], total: 0 });
      expect(bad.statusCode).toBe(400);
      expect(bad.json).toMatchObject({ code: 'INVALID_REQUEST', fields: ['status'] });
    });

    it('passes q and format on, and answers 400 naming each for an unknown format or an overlong q', async () => {
      const { h, call } = setup();
      await seed(h, 'alice', 'img-1');

      const found = await call(request('GET', '/images', { sub: 'alice', query: { q: 'PHOTO' } }));
      const none = await call(request('GET', '/images', { sub: 'alice', query: { format: 'png' } }));
      const bad = await call(request('GET', '/images', { sub: 'alice', query: { format: 'exe', q: 'x'.repeat(101) } }));

      expect(found.statusCode).toBe(200);
      expect(found.json).toMatchObject({ items: [{ imageId: 'img-1' }], total: 1 });
      expect(none.json).toEqual({ items: [], total: 0 });
      expect(bad.statusCode).toBe(400);
      expect(bad.json).toMatchObject({ code: 'INVALID_REQUEST', fields: ['format', 'q'] });
    });
  });

  describe('server errors', () => {
    it('answers 500 INTERNAL without the details, and logs them', async () => {
      const { call, logged } = setup(undefined, {
        listImages: () => Promise.reject(new Error('secret table name exploded')),
      });
      const response = await call(request('GET', '/images'));
      expect(response.statusCode).toBe(500);
      expect(response.json).toEqual({ code: 'INTERNAL', message: expect.any(String) });
      expect(response.body).not.toContain('secret');
      expect(logged).toHaveLength(1);
    });

    it('answers 503 with Retry-After when a dependency fails retryably', async () => {
      const { call } = setup(undefined, {
        getImage: () => Promise.reject(new DependencyError('DynamoDB', 'Query', true, { cause: new Error('throttled') })),
      });
      const response = await call(request('GET', '/images/img-1'));
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.json).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    });
  });
});
