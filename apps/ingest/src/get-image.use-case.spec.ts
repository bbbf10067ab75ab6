import { ImageNotFoundError } from './errors';
import { createHarness } from './testing/ingest-harness';

describe('getImage', () => {
  it('returns the record and the history of the caller’s image', async () => {
    const h = createHarness();
    await h.seedImage({ userId: 'alice', imageId: 'img-1', uploadedAt: '2025-01-01T00:00:00.000Z' });

    const details = await h.services.getImage('alice', 'img-1');

    expect(details.imageId).toBe('img-1');
    expect(details.image).toMatchObject({ imageId: 'img-1', userId: 'alice', uploadedAt: '2025-01-01T00:00:00.000Z' });
    expect(details.image).not.toHaveProperty('revision');
    expect(details.history).toHaveLength(1);
    expect(details.history[0]).toMatchObject({
      sequence: 1,
      detailType: 'ImageUploaded',
      source: 'imgpipe.ingest',
      correlationId: 'img-1',
      data: { imageId: 'img-1', userId: 'alice', format: 'jpeg' },
    });
  });

  it('answers 404, never 403, for another user’s image: it looks exactly like an unknown id', async () => {
    const h = createHarness();
    await h.seedImage({ userId: 'alice', imageId: 'img-1', uploadedAt: '2025-01-01T00:00:00.000Z' });

    const foreign = await h.services.getImage('bob', 'img-1').catch((e: unknown) => e);
    const unknown = await h.services.getImage('bob', 'img-2').catch((e: unknown) => e);

    expect(foreign).toBeInstanceOf(ImageNotFoundError);
    expect(unknown).toBeInstanceOf(ImageNotFoundError);
    expect((foreign as ImageNotFoundError).code).toBe((unknown as ImageNotFoundError).code);
  });

  it('answers 404 for an id that can not be an image id', async () => {
    const h = createHarness();
    await expect(h.services.getImage('alice', '../img-1')).rejects.toBeInstanceOf(ImageNotFoundError);
  });

  it('shows an image whose record is not projected yet, from its history (image: null)', async () => {
    const h = createHarness();
    await h.seedImage({ userId: 'alice', imageId: 'img-1', uploadedAt: '2025-01-01T00:00:00.000Z' });
    await h.readModel.remove({ imageId: 'img-1', uploadedAt: '2025-01-01T00:00:00.000Z' }, { expectedRevision: 1 });

    await expect(h.services.getImage('alice', 'img-1')).resolves.toMatchObject({ image: null, history: [{ sequence: 1 }] });
    await expect(h.services.getImage('bob', 'img-1')).rejects.toBeInstanceOf(ImageNotFoundError);
  });
});
