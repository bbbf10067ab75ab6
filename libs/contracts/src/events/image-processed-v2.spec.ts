import * as z from 'zod/mini';
import { ContractError } from '../errors';
import { parseDetail } from '../envelope';
import { exampleEnvelope } from '../examples';
import { foldHistory } from '../fold';
import { parseKnownEvent } from '../registry';
import { ImageRecordViewSchema } from '../views';
import { ImageUploadedV1 } from './image-uploaded.contract';
import { ImageProcessedV1, ImageProcessedV2 } from './image-processed.contract';

const uploaded = { ...exampleEnvelope(ImageUploadedV1, 'full') };
const history = (...details: Record<string, unknown>[]) =>
  details.map((detail, i) => ({ sequence: i + 1, detailType: i === 0 ? 'ImageUploaded' : 'ImageProcessed', detail }));

describe('ImageProcessed v2: v1 and the delivery record', () => {
  const v1 = exampleEnvelope(ImageProcessedV1, 'full');
  const v2 = exampleEnvelope(ImageProcessedV2, 'full');

  it('keeps reading v1: consumers that take every ImageProcessed version parse both', () => {
    const contracts = [ImageProcessedV1, ImageProcessedV2];
    const asEvent = (detail: unknown, version: number) => ({ source: 'imgpipe.metadata', 'detail-type': 'ImageProcessed', detail: { ...(detail as object), version } });
    expect(parseKnownEvent(contracts, asEvent(v1, 1)).version).toBe(1);
    expect(parseKnownEvent(contracts, asEvent(v2, 2)).version).toBe(2);
  });

  it('v1 data is not a v2 event: v2 requires the delivery record', () => {
    expect(() => parseDetail(ImageProcessedV2, { ...v1, version: 2 })).toThrow(ContractError);
  });

  it('refuses a delivery record that does not hold the keys it names', () => {
    const stray = { ...v2, data: { ...v2.data, compressedKey: v2.data.compressedKey.replace('9f86d081884c', 'ffffffffffff') } };
    expect(() => parseDetail(ImageProcessedV2, stray)).toThrow(/delivery\.variants: must hold the compressedKey/);
  });

  it('the fold puts v2 delivery on the record, and a later v1 drops it (it names older keys)', () => {
    const afterV2 = foldHistory(history(uploaded, v2));
    expect(afterV2?.delivery).toEqual(v2.data.delivery);
    const afterV1 = foldHistory(history(uploaded, v2, { ...v1, eventId: '00000000-0000-4000-8000-000000000001' }));
    expect(afterV1?.status).toBe('processed');
    expect(afterV1?.delivery).toBeUndefined();
  });

  it('the read side reads the record tolerantly: a broken delivery reads as absent, the image stays readable', () => {
    const record = { imageId: 'i', userId: 'u', uploadedAt: '2025-01-01T00:00:00Z', status: 'processed' };
    expect(z.parse(ImageRecordViewSchema, { ...record, delivery: v2.data.delivery }).delivery).toEqual(v2.data.delivery);
    expect(z.parse(ImageRecordViewSchema, { ...record, delivery: { served: 'x' } }).delivery).toBeUndefined();
  });
});
