import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testImage } from '@imgpipe/image-ops/testing';
import { uploadGrantExpiresAt } from '@imgpipe/platform';
import type { CheckUploadOutcome, CreatedObject } from '../check-upload.use-case';
import { InvalidEventError } from '../errors';
import { parseObjectCreatedEvent } from '../object-created-event';
import { createHarness } from '../testing/ingest-harness';
import { createObjectCreatedHandler } from './on-object-created.adapter';

const EVENTS_DIR = join(__dirname, '..', '..', 'events');
const S3_SAMPLES = readdirSync(EVENTS_DIR).filter((f) => f.startsWith('s3-'));

function sample(name: string): Record<string, unknown> & { detail: { bucket: { name: string }; object: Record<string, unknown> } } {
  return JSON.parse(readFileSync(join(EVENTS_DIR, name), 'utf8')) as ReturnType<typeof sample>;
}

describe('onObjectCreated handler', () => {
  it('has stored S3 samples to run over', () => {
    expect(S3_SAMPLES.length).toBeGreaterThanOrEqual(3);
  });

  // Consumer contract: every stored "Object Created" sample is understood.
  it.each(S3_SAMPLES)('understands the stored sample %s', (file) => {
    const event = sample(file);
    expect(parseObjectCreatedEvent(event)).toEqual({
      bucket: event.detail.bucket.name,
      key: event.detail.object['key'],
      size: event.detail.object['size'],
      etag: event.detail.object['etag'],
      ...(event.detail.object['version-id'] !== undefined ? { versionId: event.detail.object['version-id'] } : {}),
      createdAt: event['time'],
    });
  });

  it.each(S3_SAMPLES)('answers the stored sample %s with the outcome its key calls for', async (file) => {
    const event = sample(file);
    const h = createHarness();
    const seen: CheckUploadOutcome[] = [];
    const handler = createObjectCreatedHandler(() => h.services.checkUpload, { observe: (o) => seen.push(o) });

    const outcome = await handler(event);

    const key = String(event.detail.object['key']);
    // The samples' objects are not in the store: an upload is `missing`, anything else `ignored`.
    expect(outcome.outcome).toBe(key.startsWith('uploads/') ? 'missing' : 'ignored');
    expect(seen).toEqual([outcome]);
    expect(h.publisher.published).toHaveLength(0);
  });

  it('checks the object the sample names when it is there', async () => {
    const event = sample('s3-object-created.json');
    const h = createHarness();
    const bucket = event.detail.bucket.name;
    const key = String(event.detail.object['key']);
    const body = await testImage('jpeg', { width: 64, height: 48 });
    await h.grants.put({
      imageId: '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      key,
      contentType: 'image/jpeg',
      bytes: body.byteLength,
      createdAt: '2025-06-01T11:59:00.000Z',
      validUntil: '2025-06-01T12:14:00.000Z',
      expiresAt: uploadGrantExpiresAt('2025-06-01T12:14:00.000Z'),
    });
    await h.store.put({ bucket, key, body, contentType: 'image/jpeg' });
    const handler = createObjectCreatedHandler(() => h.services.checkUpload);

    const outcome = await handler(event);

    expect(outcome).toMatchObject({
      outcome: 'accepted',
      imageId: '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
    });
    expect(h.publisher.published.map((e) => e.detailType)).toEqual(['ImageUploaded']);
  });

  it('refuses and removes the object the sample names when no grant admits it', async () => {
    const event = sample('s3-object-created.json');
    const h = createHarness();
    const location = { bucket: event.detail.bucket.name, key: String(event.detail.object['key']) };
    await h.store.put({ ...location, body: await testImage('jpeg', { width: 64, height: 48 }), contentType: 'image/jpeg' });
    const handler = createObjectCreatedHandler(() => h.services.checkUpload);

    await expect(handler(event)).resolves.toMatchObject({ outcome: 'refused', code: 'NO_GRANT' });

    expect(h.publisher.published.map((e) => e.detailType)).toEqual(['UploadRefused']);
    await expect(h.store.head(location)).resolves.toBeUndefined();
  });

  it.each([
    ['not an object', 'hello'],
    ['another detail-type', { ...sample('s3-object-created.json'), 'detail-type': 'Object Deleted' }],
    ['another source', { ...sample('s3-object-created.json'), source: 'imgpipe.ingest' }],
    ['no key', { ...sample('s3-object-created.json'), detail: { bucket: { name: 'b' }, object: {} } }],
  ])('refuses %s as an InvalidEventError (to the DLQ, not retried)', async (_case, event) => {
    const h = createHarness();
    const calls: CreatedObject[] = [];
    const handler = createObjectCreatedHandler(() => async (object) => {
      calls.push(object);
      return h.services.checkUpload(object);
    });
    const error = await handler(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({ code: 'INVALID_EVENT', retryable: false });
    expect(calls).toHaveLength(0);
  });
});
