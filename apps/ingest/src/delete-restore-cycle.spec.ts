import { originalKey } from '@imgpipe/platform';
import { ImageStateConflictError } from './errors';
import { createHarness } from './testing/ingest-harness';

/** Delete, restore, delete, restore: every step a new fact, each id distinct, the last one in force. */
describe('delete - restore - delete - restore', () => {
  it('records four distinct lifecycle events and ends processing; a third restore is NOT_DELETED', async () => {
    const h = createHarness();
    await h.seedImage({ userId: 'alice', imageId: 'img-1', uploadedAt: '2025-01-01T00:00:00.000Z' });
    await h.store.put({
      bucket: h.config.originalsBucket,
      key: originalKey('alice', 'img-1', 'photo.jpg'),
      body: new Uint8Array([1, 2, 3]),
      contentType: 'image/jpeg',
    });

    for (let round = 0; round < 2; round += 1) {
      await h.services.deleteImage('alice', 'img-1');
      await h.storePublished();
      h.clock.advance(1000);
      await h.services.restoreImage('alice', 'img-1');
      await h.storePublished();
      h.clock.advance(1000);
    }

    const history = await h.eventStore.load('img-1');
    expect(history.map((e) => e.detailType)).toEqual([
      'ImageUploaded',
      'ImageDeleted',
      'ImageRestored',
      'ImageUploaded',
      'ImageDeleted',
      'ImageRestored',
      'ImageUploaded',
    ]);
    expect(new Set(history.map((e) => e.eventId)).size).toBe(history.length);
    const third = await h.services.restoreImage('alice', 'img-1').catch((e: unknown) => e);
    expect(third).toBeInstanceOf(ImageStateConflictError);
    expect((third as ImageStateConflictError).code).toBe('NOT_DELETED');
  });
});
