import { ImageProcessedV1, ImageProcessedV2, exampleEnvelope, parseKnownEvent, toEventBridgeEvent } from '@imgpipe/contracts';
import { NOTIFY_CONTRACTS, toNotificationPayload } from './notify.use-case';

describe('the webhook payload carries the delivery record (ImageProcessed v2)', () => {
  it('validates the record with its contract and hands it to subscribers as it is', () => {
    const envelope = exampleEnvelope(ImageProcessedV2, 'full');

    const payload = toNotificationPayload(parseKnownEvent(NOTIFY_CONTRACTS, toEventBridgeEvent(ImageProcessedV2, envelope)));

    expect(payload).toMatchObject({ detailType: 'ImageProcessed', version: 2, status: 'processed' });
    expect((payload.data as typeof envelope.data).delivery).toEqual(envelope.data.delivery);
  });

  it('refuses a v2 event whose delivery record breaks its contract, and still reads v1', () => {
    const envelope = exampleEnvelope(ImageProcessedV2, 'full');
    const broken = { ...envelope, data: { ...envelope.data, delivery: { ...envelope.data.delivery, negotiatedUrl: 'javascript:alert(1)' } } };

    expect(() => parseKnownEvent(NOTIFY_CONTRACTS, toEventBridgeEvent(ImageProcessedV2, broken))).toThrow(/negotiatedUrl/);
    const v1 = parseKnownEvent(NOTIFY_CONTRACTS, toEventBridgeEvent(ImageProcessedV1, exampleEnvelope(ImageProcessedV1, 'full')));
    expect(toNotificationPayload(v1).version).toBe(1);
  });
});
