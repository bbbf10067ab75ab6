import { ContractError } from '../errors';
import { parseDetail } from '../envelope';
import { exampleEnvelope } from '../examples';
import { foldHistory } from '../fold';
import { parseKnownEvent } from '../registry';
import { ImageUploadedV1 } from './image-uploaded.contract';
import {
  primaryRenditionKeys,
  ThumbnailsGeneratedV1,
  ThumbnailsGeneratedV2,
  ThumbnailsGeneratedV3,
  ThumbnailsGeneratedV3DataSchema,
} from './thumbnails-generated.contract';

describe('ThumbnailsGenerated v3: a rendition in several formats', () => {
  const v2 = exampleEnvelope(ThumbnailsGeneratedV2, 'full');
  const v3 = exampleEnvelope(ThumbnailsGeneratedV3, 'full');

  it('v3 carries what v2 cannot: one name in two formats', () => {
    expect(() => parseDetail(ThumbnailsGeneratedV2, { ...v3, version: 2 })).toThrow(/rendition names must be unique/);
    expect(parseDetail(ThumbnailsGeneratedV3, v3).data.renditions.filter((r) => r.name === 'small').map((r) => r.format)).toEqual(['jpeg', 'webp']);
  });

  it('reads everything v2 wrote (one file a name is a v3 too), and consumers of every version parse all three', () => {
    expect(ThumbnailsGeneratedV3DataSchema.parse(v2.data)).toEqual(v2.data);
    const contracts = [ThumbnailsGeneratedV1, ThumbnailsGeneratedV2, ThumbnailsGeneratedV3];
    const asEvent = (detail: object, version: number) => ({ source: 'imgpipe.thumbnail', 'detail-type': 'ThumbnailsGenerated', detail: { ...detail, version } });
    expect(parseKnownEvent(contracts, asEvent(v2, 2)).version).toBe(2);
    expect(parseKnownEvent(contracts, asEvent(v3, 3)).version).toBe(3);
  });

  it('refuses a name and format twice, one rendition of two sizes, and a key off the version', () => {
    const [jpeg, webp] = v3.data.renditions;
    const withRenditions = (renditions: unknown[]) => ({ ...v3, data: { ...v3.data, renditions } });
    expect(() => parseDetail(ThumbnailsGeneratedV3, withRenditions([jpeg, jpeg]))).toThrow(/a rendition name and format must appear once/);
    expect(() => parseDetail(ThumbnailsGeneratedV3, withRenditions([jpeg, { ...webp, width: 151 }]))).toThrow(/one pixel size/);
    expect(() => parseDetail(ThumbnailsGeneratedV3, withRenditions([jpeg, { ...webp, key: 'thumbnails/u/i/other/small.webp' }]))).toThrow(ContractError);
  });

  it("names each rendition's primary (first, JPEG) file in the name -> key maps, the fold's too", () => {
    expect(primaryRenditionKeys(v3.data.renditions)).toEqual({
      small: v3.data.renditions[0]?.key,
      display: v3.data.renditions[2]?.key,
    });
    expect(Object.values(primaryRenditionKeys(v3.data.renditions)).every((key) => key.endsWith('.jpg'))).toBe(true);
    const uploaded = exampleEnvelope(ImageUploadedV1, 'full');
    const folded = foldHistory([
      { sequence: 1, detailType: 'ImageUploaded', detail: uploaded },
      { sequence: 2, detailType: 'ThumbnailsGenerated', detail: { ...v3, data: { ...v3.data, imageId: uploaded.data.imageId, userId: uploaded.data.userId } } },
    ]);
    expect(folded?.thumbnails).toEqual(primaryRenditionKeys(v3.data.renditions));
  });
});
