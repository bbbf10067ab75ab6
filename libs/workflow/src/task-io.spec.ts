import { ImageCompressedV2, ImageUploadedV1, ThumbnailsGeneratedV3 } from '@imgpipe/contracts';
import { RecordMetadataTaskInputSchema } from './task-io';

/**
 * `RecordMetadata`'s input joins two tasks' shares of one rendition set (issue 13): the thumbnail
 * task's small renditions and the large ones compress made. A run whose two tasks read different
 * sets (a deploy half done) or both made one name must not become a record.
 */
describe('RecordMetadataTaskInputSchema: compress\'s renditions', () => {
  const uploaded = ImageUploadedV1.data.parse(ImageUploadedV1.examples.full);
  // One run's two shares of one set, as published.
  const thumbnails = ThumbnailsGeneratedV3.data.parse(ThumbnailsGeneratedV3.examples['early-share']);
  const compressed = ImageCompressedV2.data.parse(ImageCompressedV2.examples['with-renditions']);
  const input = (c: typeof compressed) => ({ uploaded, results: [c, thumbnails], correlationId: 'corr-1' });

  it('takes compress\'s renditions of the same set beside the thumbnails', () => {
    const parsed = RecordMetadataTaskInputSchema.parse(input(compressed));
    expect(parsed.results[0].renditions?.map((r) => r.name)).toEqual(['display', 'display']);
  });

  it('refuses them from another rendition set', () => {
    const result = RecordMetadataTaskInputSchema.safeParse(input({ ...compressed, renditionsVersion: 'rs-000000000000' }));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['results.0.renditionsVersion']);
  });

  it('refuses a compress that says no set (a build from before the split, which leaves display to nobody)', () => {
    const { renditions: _renditions, renditionsVersion: _version, ...older } = compressed;
    const result = RecordMetadataTaskInputSchema.safeParse(input(ImageCompressedV2.data.parse(older)));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['results.0.renditionsVersion', expect.stringContaining('must be given') as unknown],
    ]);
  });

  it('takes a compress that made none of a set it read, when the thumbnails are of that set', () => {
    const { renditions: _renditions, ...none } = compressed;
    expect(RecordMetadataTaskInputSchema.safeParse(input(ImageCompressedV2.data.parse(none))).success).toBe(true);
  });

  it('refuses a rendition both tasks made', () => {
    const [first] = thumbnails.renditions;
    const twice = (compressed.renditions ?? []).map((r) => ({ ...r, name: first?.name ?? 'small' }));
    const result = RecordMetadataTaskInputSchema.safeParse(input({ ...compressed, renditions: twice }));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['results.0.renditions']);
  });
});
