import { parseObjectCreatedEvent } from '@imgpipe/ingest';
import { toBusEvent } from '../bus/bus-event';
import { toObjectCreatedEntry, type S3NotificationRecord } from './s3-notifications';

function record(object: S3NotificationRecord['s3']['object']): S3NotificationRecord {
  return { eventTime: '2025-06-01T12:00:00.000Z', eventName: 'ObjectCreated:Post', s3: { bucket: { name: 'originals' }, object } };
}

describe('toObjectCreatedEntry', () => {
  it('carries a version id to ingest as S3 does (`version-id`), so a refusal removes that version only', () => {
    const entry = toObjectCreatedEntry(record({ key: 'uploads/a/i/p.jpg', size: 3, eTag: 'abc', versionId: 'v-2' }));

    expect(entry?.detail).toMatchObject({ object: { key: 'uploads/a/i/p.jpg', 'version-id': 'v-2' } });
    expect(parseObjectCreatedEvent(toBusEvent(entry ?? { source: '', detailType: '', detail: {} }))).toMatchObject({ versionId: 'v-2' });
  });

  it('names no version for s3rver, which keeps none (ingest then deletes the key plainly)', () => {
    const entry = toObjectCreatedEntry(record({ key: 'uploads/a/i/p.jpg', size: 3, eTag: 'abc' }));

    expect(entry?.detail).not.toHaveProperty(['object', 'version-id']);
    expect(parseObjectCreatedEvent(toBusEvent(entry ?? { source: '', detailType: '', detail: {} }))).not.toHaveProperty('versionId');
  });
});
