import { ImageDeletedV2 } from '@imgpipe/contracts';
import { compressedKey } from '@imgpipe/platform';
import { InMemoryUploadGrantStore } from '@imgpipe/platform/testing';
import { PURGE_GRACE_MS } from './purge-deleted.use-case';
import { IMAGE_ID, inMemoryService, newEvent, successfulRun, uploaded, USER_ID } from './testing/fixtures';

const DELETED_AT = '2025-06-02T08:30:00.000Z';
const UNDO_UNTIL = '2025-06-09T08:30:00.000Z';

/** The grant `createUpload` recorded for the image: its key holds the file name. */
async function grantsWithTheImage() {
  const grants = new InMemoryUploadGrantStore();
  await grants.put({
    imageId: IMAGE_ID,
    userId: USER_ID,
    key: uploaded.original.key,
    contentType: 'image/jpeg',
    bytes: uploaded.original.size,
    createdAt: '2025-06-01T11:59:00.000Z',
    validUntil: '2025-06-01T12:14:00.000Z',
    expiresAt: Math.floor(Date.parse('2025-06-02T12:14:00.000Z') / 1000),
  });
  return grants;
}

describe('purgeDeletedImages: the upload grant', () => {
  it('removes the purged image’s grant, whose key names the file', async () => {
    const grants = await grantsWithTheImage();
    const { service } = inMemoryService({ grants });
    const deleted = newEvent(
      ImageDeletedV2,
      { imageId: IMAGE_ID, userId: USER_ID, deletedKeys: [compressedKey(USER_ID, IMAGE_ID, 'v1', 'webp')], deletedAt: DELETED_AT, undoUntil: UNDO_UNTIL },
      { occurredAt: DELETED_AT },
    );
    await service.appendAndProject(IMAGE_ID, [...successfulRun(), deleted]);
    expect((await grants.get(IMAGE_ID))?.key).toContain(uploaded.original.filename);

    const result = await service.purgeDeletedImages({ now: new Date(Date.parse(UNDO_UNTIL) + PURGE_GRACE_MS + 1000) });

    expect(result.purged.map((p) => p.imageId)).toEqual([IMAGE_ID]);
    expect(await grants.get(IMAGE_ID)).toBeUndefined();
  });

  it('control: an image still in its undo window keeps its grant', async () => {
    const grants = await grantsWithTheImage();
    const { service } = inMemoryService({ grants });
    const deleted = newEvent(
      ImageDeletedV2,
      { imageId: IMAGE_ID, userId: USER_ID, deletedKeys: [], deletedAt: DELETED_AT, undoUntil: UNDO_UNTIL },
      { occurredAt: DELETED_AT },
    );
    await service.appendAndProject(IMAGE_ID, [...successfulRun(), deleted]);

    await service.purgeDeletedImages({ now: new Date(DELETED_AT) });

    expect(await grants.get(IMAGE_ID)).toBeDefined();
  });
});
