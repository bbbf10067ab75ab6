import { exampleEnvelope } from './examples';
import { createEnvelope, parseDetail } from './envelope';
import { ImageProcessingFailedV1 } from './events/image-processing-failed.contract';
import { ImageUploadedV1 } from './events/image-uploaded.contract';
import { ImageDeletedV1 } from './events/image-deleted.contract';
import { REDACTED, redactEvent, redactObjectKey } from './redaction';
import { allContracts } from './registry';

const personal = ['holiday-photo.jpg', 'a.png', 'huge.png'];

describe('redactEvent', () => {
  describe.each(allContracts.map((c) => [c.id, c] as const))('%s', (_id, contract) => {
    it.each(Object.keys(contract.examples))('leaves example %s without a file name, still parsing', (name) => {
      const detail = exampleEnvelope(contract, name) as unknown as Record<string, unknown>;

      const redacted = redactEvent(contract.detailType, detail);

      const text = JSON.stringify(redacted);
      for (const filename of personal) expect(text).not.toContain(filename);
      expect(() => parseDetail(contract, redacted)).not.toThrow();
      expect(redactEvent(contract.detailType, redacted)).toEqual(redacted);
      expect(detail).toEqual(exampleEnvelope(contract, name)); // the input is not changed
    });
  });

  it('replaces the file name, the original key and the name quoted in a reason', () => {
    const uploaded = exampleEnvelope(ImageUploadedV1, 'full');
    const redacted = redactEvent('ImageUploaded', uploaded);
    expect(redacted.data.original).toMatchObject({
      filename: REDACTED,
      key: `uploads/${uploaded.data.userId}/${uploaded.data.imageId}/${REDACTED}`,
    });
    expect(redacted.data.original.contentHash).toBe(uploaded.data.original.contentHash);

    const failed = createEnvelope(
      ImageProcessingFailedV1,
      { ...ImageProcessingFailedV1.examples.full, reason: 'holiday-photo.jpg could not be decoded' },
      { correlationId: 'c' },
    );
    expect(redactEvent('ImageProcessingFailed', failed).data.reason).toBe(`${REDACTED} could not be decoded`);
  });

  it('redacts the original among deleted keys and keeps derivative keys', () => {
    const deleted = redactEvent('ImageDeleted', exampleEnvelope(ImageDeletedV1, 'full'));
    expect(deleted.data.deletedKeys[0]).toMatch(/\/redacted$/);
    expect(deleted.data.deletedKeys.slice(1)).toEqual(exampleEnvelope(ImageDeletedV1, 'full').data.deletedKeys.slice(1));
  });

  it('redacts events no contract describes (an archived S3 notification) by the same rule', () => {
    const s3 = { version: '0', object: { key: 'uploads/u/i/me at the beach.jpg', size: 3 } };
    expect(redactEvent('Object Created', s3)).toEqual({ version: '0', object: { key: 'uploads/u/i/redacted', size: 3 } });
  });

  it('keys outside uploads/ are not touched', () => {
    expect(redactObjectKey('thumbnails/u/i/small.jpg')).toBe('thumbnails/u/i/small.jpg');
    expect(redactObjectKey('uploads/odd')).toBe('uploads/redacted');
  });
});
