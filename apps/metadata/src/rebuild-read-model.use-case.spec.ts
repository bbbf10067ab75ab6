import { InMemoryImageReadModel } from '@imgpipe/platform/testing';
import type { ImageMetadata, ImageMetadataRecord } from './projection';
import { IMAGE_ID, inMemoryService, present, runLivePath } from './testing/fixtures';

async function snapshot(readModel: { get(id: string): Promise<ImageMetadataRecord | undefined> }, ids: string[]) {
  return Promise.all(ids.map((id) => readModel.get(id)));
}

describe('rebuildReadModel / rebuildAll', () => {
  it('a rebuild from the event store reproduces exactly what the live path wrote', async () => {
    const live = inMemoryService();
    const ids = await runLivePath(live.service, live.clock);
    const before = await snapshot(live.readModel, ids);
    expect(before.map((r) => r?.status)).toEqual(['processed', 'failed', 'deleted']);

    // Wipe the read model: same event store, an empty table.
    const wiped = new InMemoryImageReadModel<ImageMetadata>();
    const rebuilt = inMemoryService({ events: live.events, readModel: wiped });
    const result = await rebuilt.service.rebuildAll();

    expect(result).toEqual({ images: 3, rebuilt: 3, unchanged: 0, failed: [] });
    expect(await snapshot(wiped, ids)).toEqual(before);
  });

  it('rebuilding an up-to-date record changes nothing', async () => {
    const live = inMemoryService();
    const first = IMAGE_ID;
    await runLivePath(live.service, live.clock);
    const putSpy = jest.spyOn(live.readModel, 'put');

    const result = await live.service.rebuildReadModel(first);

    expect(result).toEqual({ imageId: first, outcome: 'unchanged', revision: 4 });
    expect(putSpy).not.toHaveBeenCalled();
  });

  it('repairs a record that drifted from its history, at the same revision', async () => {
    const live = inMemoryService();
    const first = IMAGE_ID;
    await runLivePath(live.service, live.clock);
    const good = present(await live.readModel.get(first), 'record');
    await live.readModel.put({ ...good, status: 'failed', savingsPercent: 1 }, { expectedRevision: good.revision });

    const result = await live.service.rebuildReadModel(first);

    expect(result.outcome).toBe('rebuilt');
    expect(await live.readModel.get(first)).toEqual(good);
  });

  it('removes a record that has no history, and reports an image with neither', async () => {
    const { service, readModel } = inMemoryService();
    await readModel.put(
      { imageId: 'orphan', userId: 'u', uploadedAt: '2025-01-01T00:00:00.000Z', status: 'processing', updatedAt: '2025-01-01T00:00:00.000Z', revision: 1 },
      { expectedRevision: 0 },
    );

    expect(await service.rebuildReadModel('orphan')).toEqual({ imageId: 'orphan', outcome: 'removed', revision: 0 });
    expect(await readModel.get('orphan')).toBeUndefined();
    expect(await service.rebuildReadModel('never-seen')).toEqual({ imageId: 'never-seen', outcome: 'absent', revision: 0 });
  });

  it('rebuildAll reports an image it cannot project and rebuilds the others', async () => {
    const live = inMemoryService();
    await runLivePath(live.service, live.clock);
    const get = live.events.load.bind(live.events);
    jest.spyOn(live.events, 'load').mockImplementation(async (imageId) => {
      if (imageId === 'img-second') throw new Error('disk on fire');
      return get(imageId);
    });

    const result = await live.service.rebuildAll();

    expect(result).toMatchObject({ images: 3, unchanged: 2, failed: [{ imageId: 'img-second' }] });
    expect(result.failed[0]?.error.message).toBe('disk on fire');
  });
});
