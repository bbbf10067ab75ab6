import {
  deterministicUuid,
  exampleEnvelope,
  ImageDeletedV1,
  ImageDeletedV2,
  ImagePurgedV1,
  ImageRestoredV1,
  ImageUploadedV1,
  type KnownContract,
} from '@imgpipe/contracts';
import type { StoredImageEvent } from '@imgpipe/platform';
import { deletionState } from './deletion-state';

/** The id of the n-th event of a {@link history}. */
const e = (n: number) => deterministicUuid(`deletion-state.spec/${n}`);

/** A history of the contracts' `minimal` examples (image `img_min`), with data overrides. */
function history(...events: Array<[KnownContract, Record<string, unknown>?]>): StoredImageEvent[] {
  return events.map(([contract, data = {}], index) => {
    const envelope = exampleEnvelope(contract, 'minimal') as unknown as { data: Record<string, unknown>; eventId: string; occurredAt: string };
    const detail = { ...envelope, eventId: e(index + 1), data: { ...envelope.data, ...data } };
    return {
      imageId: 'img_min',
      sequence: index + 1,
      eventId: detail.eventId,
      source: contract.source,
      detailType: contract.detailType,
      occurredAt: detail.occurredAt,
      detail,
    };
  });
}

const WEEK = 604_800;

describe('deletionState', () => {
  it('an uploaded image is not deleted, and carries its upload', () => {
    const state = deletionState(history([ImageUploadedV1]), WEEK);
    expect(state).toMatchObject({ purged: false, uploaded: { imageId: 'img_min' } });
    expect(state.deleted).toBeUndefined();
  });

  it('a v2 delete is in force until its undoUntil; a v1 delete gets the configured window', () => {
    expect(deletionState(history([ImageUploadedV1], [ImageDeletedV2]), WEEK).deleted).toEqual({
      eventId: e(2),
      deletedAt: '2025-01-02T00:00:00Z',
      undoUntil: '2025-01-09T00:00:00Z',
    });
    expect(deletionState(history([ImageUploadedV1], [ImageDeletedV1]), 3600).deleted).toMatchObject({
      undoUntil: '2025-01-02T01:00:00.000Z',
    });
  });

  it('a restore before undoUntil undoes the delete; one after it changes nothing', () => {
    const undone = deletionState(history([ImageUploadedV1], [ImageDeletedV2], [ImageRestoredV1, { restoredAt: '2025-01-03T00:00:00Z' }]), WEEK);
    expect(undone.deleted).toBeUndefined();
    expect(undone.lastRestoreId).toBe(e(3));

    const late = deletionState(history([ImageUploadedV1], [ImageDeletedV2], [ImageRestoredV1, { restoredAt: '2025-01-09T00:00:00Z' }]), WEEK);
    expect(late.deleted?.eventId).toBe(e(2));
    expect(late.lastRestoreId).toBeUndefined();
  });

  it('a delete after a restore is the one in force; a purge is final', () => {
    const again = deletionState(
      history([ImageUploadedV1], [ImageDeletedV2], [ImageRestoredV1], [ImageDeletedV2, { deletedAt: '2025-01-04T00:00:00Z', undoUntil: '2025-01-11T00:00:00Z' }]),
      WEEK,
    );
    expect(again.deleted).toMatchObject({ eventId: e(4), undoUntil: '2025-01-11T00:00:00Z' });

    const purged = deletionState(history([ImageUploadedV1], [ImageDeletedV2], [ImagePurgedV1], [ImageRestoredV1]), WEEK);
    expect(purged.purged).toBe(true);
    expect(purged.deleted?.eventId).toBe(e(2));
  });
});
