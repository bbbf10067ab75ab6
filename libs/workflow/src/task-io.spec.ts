import { ImageCompressedV2, ImageUploadedV1, ThumbnailsGeneratedV3 } from '@imgpipe/contracts';
import { RecordMetadataTaskInputSchema } from './task-io';

/**
 * `RecordMetadata`'s input joins two tasks' shares of one rendition set (issue 13): the thumbnail
 * task's small renditions and the large ones compress made. A run whose two tasks read different
 * sets (a deploy half done) or both made one name must not become a record.
 */
describe('RecordMetadataTaskInputSchema: compress\'s renditions', () => {
  const uploaded = ImageUploadedV1.data.parse(ImageUploadedV1.examples.full);
  // The published example predates the split: it lists `display` too, which is compress's now.
  const example = ThumbnailsGeneratedV3.data.parse(ThumbnailsGeneratedV3.examples.full);
  const thumbnails = { ...example, renditions: example.renditions.filter((r) => r.name !== 'display') };
  const compressed = ImageCompressedV2.data.parse({
    ...ImageCompressedV2.examples['with-renditions'],
    renditionsVersion: thumbnails.renditionsVersion,
  });
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

  it('refuses a rendition both tasks made', () => {
    const [first] = thumbnails.renditions;
    const twice = (compressed.renditions ?? []).map((r) => ({ ...r, name: first?.name ?? 'small' }));
    const result = RecordMetadataTaskInputSchema.safeParse(input({ ...compressed, renditions: twice }));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['results.0.renditions']);
  });
});
