import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe } from '@imgpipe/image-ops';
import { testImage } from '@imgpipe/image-ops/testing';
import { startLocalRuntime, type LocalRuntime } from './runtime';
import { HttpError, RuntimeClient } from './testing/http-client';

/*
 * The whole pipeline through HTTP only, as the browser drives it: sign in, ask for an upload
 * grant, POST the file straight to the local S3 server, watch the image through the API and
 * fetch its outputs from /cdn.
 */

let runtime: LocalRuntime;
let dataDir: string;
let alice: RuntimeClient;
let bob: RuntimeClient;
let photoId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-e2e-'));
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    web: false,
    concurrency: 2,
    // Full-size WebP and JPEG, so /cdn has something to negotiate between.
    env: { COMPRESS_FORMATS: 'webp,jpeg' },
  });
  alice = await RuntimeClient.signIn(runtime.url, 'alice');
  bob = await RuntimeClient.signIn(runtime.url, 'bob');
});

afterAll(async () => {
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('sign-in and authorization', () => {
  it('refuses /api without a token, with a forged one, and an unusable user name', async () => {
    const none = await fetch(`${runtime.url}/api/images`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String) });

    const forged = `${alice.token.slice(0, -4)}AAAA`;
    const bad = await fetch(`${runtime.url}/api/images`, { headers: { authorization: `Bearer ${forged}` } });
    expect(bad.status).toBe(401);

    const login = await fetch(`${runtime.url}/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: '../admin' }),
    });
    expect(login.status).toBe(400);
    expect(await login.json()).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('serves a page at / even without the UI built', async () => {
    const page = await fetch(`${runtime.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('an upload through the presigned flow', () => {
  it('is processed, and its thumbnail is served from /cdn with the right content type', async () => {
    const photo = await testImage('jpeg', { width: 640, height: 480 });
    const grant = await alice.upload(photo, 'holiday photo.jpg', 'image/jpeg');
    photoId = grant.imageId;
    expect(grant.url.startsWith(runtime.endpoints.s3)).toBe(true);

    const { image, history } = await alice.waitForOutcome(grant.imageId);

    expect(image).toMatchObject({ status: 'processed', userId: 'alice' });
    expect(history.map((e) => e.detailType)).toEqual(
      expect.arrayContaining(['ImageUploaded', 'ImageCompressed', 'ThumbnailsGenerated', 'ImageProcessed']),
    );
    const small = image?.thumbnails?.['small'];
    expect(small).toMatch(/^thumbnails\/alice\/.+\/small\.jpg$/);
    const thumb = await fetch(`${runtime.url}/cdn/${small}`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect(thumb.headers.get('cache-control')).toMatch(/immutable/);
    const bytes = new Uint8Array(await thumb.arrayBuffer());
    // The default set's small rendition fits inside 150 x 150: 640 x 480 becomes 150 x 113.
    expect(await probe(bytes)).toMatchObject({ format: 'jpeg', width: 150, height: 113 });

    // Revalidation: the same ETag answers 304 with no body.
    const etag = thumb.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const again = await fetch(`${runtime.url}/cdn/${small}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves the full-size image in the format the Accept header asks for, varying on Accept', async () => {
    // The record's negotiated URL names the formats that exist for the run (issue 11).
    const delivery = (await alice.image(photoId)).image?.delivery;
    expect(delivery?.formats).toEqual(['webp', 'jpeg']);
    // Absolute, on the port the runtime was bound to although it was started with port 0.
    const base = delivery?.negotiatedUrl ?? '';
    expect(base.startsWith(`${runtime.url}/cdn/compressed/`)).toBe(true);

    const webp = await fetch(base, { headers: { accept: 'image/avif,image/webp,*/*;q=0.8' } });
    expect(webp.status).toBe(200);
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(webp.headers.get('vary')).toBe('Accept');
    expect(await probe(new Uint8Array(await webp.arrayBuffer()))).toMatchObject({ format: 'webp' });

    const jpeg = await fetch(base, { headers: { accept: '*/*' } });
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect(await probe(new Uint8Array(await jpeg.arrayBuffer()))).toMatchObject({ format: 'jpeg' });

    expect((await fetch(`${runtime.url}/cdn/compressed/alice/no-such-image/v1/full~webp~jpeg`)).status).toBe(404);
    expect((await fetch(`${runtime.url}/cdn/uploads/alice/${photoId}/holiday_photo.jpg`)).status).toBe(404);
  });

  it('serves an animated GIF whose WebP would be larger as the GIF itself, animated, to every client (issue 11)', async () => {
    const gif = await testImage('gif-animated-webp-larger');
    const grant = await alice.upload(gif, 'spinner anim.gif', 'image/gif');

    const { image } = await alice.waitForOutcome(grant.imageId);

    expect(image).toMatchObject({ status: 'processed' });
    const delivery = image?.delivery;
    expect(delivery?.served).toMatchObject({ kind: 'original', format: 'gif', bytes: gif.length, savingsPercent: 0 });
    expect(delivery?.formats).toEqual(['gif']);
    // No JPEG still of the first frame stands for the image: the srcset is the GIF's.
    expect(Object.keys(delivery?.srcset ?? {})).toEqual(['gif']);
    for (const accept of ['image/avif,image/webp,image/apng,*/*;q=0.8', 'image/jpeg', '*/*']) {
      const response = await fetch(delivery?.negotiatedUrl ?? '', { headers: { accept } });
      expect(response.headers.get('content-type')).toBe('image/gif');
      expect(await probe(new Uint8Array(await response.arrayBuffer()))).toMatchObject({ format: 'gif', animated: true, pages: 8 });
    }

    // The original's download answers with its name, on the local S3 as on AWS.
    const original = await alice.client.getOriginal(grant.imageId);
    const download = await fetch(original.url);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="spinner_anim.gif"; filename*=UTF-8''spinner_anim.gif`);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(gif);
  });

});

describe('an upload that is no usable image', () => {
  it('ends a corrupt image failed, with its code and a reason a person can read', async () => {
    const truncated = await testImage('truncated-jpeg', { width: 640, height: 480 });
    const grant = await alice.upload(truncated, 'broken.jpg', 'image/jpeg');

    const { image, history } = await alice.waitForOutcome(grant.imageId);

    expect(image?.status).toBe('failed');
    expect(image?.failure).toMatchObject({ code: 'CORRUPT', stage: 'compress' });
    expect(image?.failure?.reason.length).toBeGreaterThan(10);
    expect(history.map((e) => e.detailType)).toContain('ImageProcessingFailed');
  });

  it('refuses bytes that are no image at ingest, before the pipeline runs', async () => {
    const noise = await testImage('random');
    const grant = await alice.upload(noise, 'noise.jpg', 'image/jpeg');

    const { image, history } = await alice.waitForOutcome(grant.imageId);

    expect(image?.failure).toMatchObject({ code: 'UNSUPPORTED_FORMAT', stage: 'ingest' });
    expect(history.map((e) => e.detailType)).toEqual(['ImageProcessingFailed']);
  });

});

describe('the figures of what happened', () => {
  it('counts what happened in /api/stats', async () => {
    const stats = await alice.api<Record<string, unknown>>('GET', '/stats');

    expect(stats).toMatchObject({
      processed: expect.any(Number),
      failed: expect.any(Number),
      failedByCode: expect.objectContaining({ CORRUPT: expect.any(Number), UNSUPPORTED_FORMAT: expect.any(Number) }),
      dlqDepth: 0,
    });
    expect(stats['processed']).toBeGreaterThanOrEqual(1);
    expect(stats['p50Ms']).toEqual(expect.any(Number));
    expect(stats['bytesSaved']).toEqual(expect.any(Number));
  });
});

describe('users see only their own images', () => {
  it('lists none of alice’s images to bob and answers 404 for her image id', async () => {
    const mine = await alice.api<{ items: { imageId: string }[] }>('GET', '/images');
    expect(mine.items.map((i) => i.imageId)).toContain(photoId);

    const his = await bob.api<{ items: { imageId: string }[] }>('GET', '/images');
    expect(his.items).toEqual([]);
    await expect(bob.image(photoId)).rejects.toMatchObject({ status: 404 } satisfies Partial<HttpError>);
  });
});

describe('GET /api/events', () => {
  it('streams an image event for the caller’s own image, and none for another user’s', async () => {
    const open = async (client: RuntimeClient) => {
      const controller = new AbortController();
      const response = await fetch(`${runtime.url}/api/events?access_token=${encodeURIComponent(client.token)}`, {
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      const decoder = new TextDecoder();
      return {
        get text() {
          return text;
        },
        /** Reads until `predicate` holds for what was received. */
        async until(predicate: (received: string) => boolean): Promise<string> {
          while (!predicate(text)) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`the stream ended; received:\n${text}`);
            text += decoder.decode(value, { stream: true });
          }
          return text;
        },
        close: () => controller.abort(),
      };
    };
    const aliceStream = await open(alice);
    const bobStream = await open(bob);
    try {
      await aliceStream.until((t) => t.includes('event: stats'));
      const grant = await alice.upload(await testImage('png-alpha', { width: 320, height: 240 }), 'alpha.png', 'image/png');

      const received = await aliceStream.until((t) => t.includes(`"imageId":"${grant.imageId}","detailType":"ImageProcessed"`));

      const processed = received
        .split('\n\n')
        .find((block) => block.startsWith('event: image') && block.includes('ImageProcessed') && block.includes(grant.imageId));
      const data = JSON.parse(processed?.split('\ndata: ')[1] ?? '{}') as Record<string, unknown>;
      expect(data).toMatchObject({ imageId: grant.imageId, detailType: 'ImageProcessed', status: 'processed' });
      expect(data['occurredAt']).toEqual(expect.any(String));
      // Bob's stream got the figures, never alice's image.
      await bobStream.until((t) => t.includes('event: stats'));
      expect(bobStream.text).not.toContain(grant.imageId);
    } finally {
      aliceStream.close();
      bobStream.close();
    }
  });

  it('refuses a stream without a valid token', async () => {
    expect((await fetch(`${runtime.url}/api/events`)).status).toBe(401);
    expect((await fetch(`${runtime.url}/api/events?access_token=nope`)).status).toBe(401);
  });
});
