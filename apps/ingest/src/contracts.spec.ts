import { findContract, imageHistoryContracts, parseEventBridgeEvent, type AnyContract } from '@imgpipe/contracts';
import { readStoredExamples } from '@imgpipe/contracts/artifacts';
import { testImage } from '@imgpipe/image-ops/testing';
import { compressedKey, type PublishEntry } from '@imgpipe/platform';
import { ImageNotFoundError } from './errors';
import { INGEST_SOURCE } from './publish';
import { createHarness } from './testing/ingest-harness';

/** The event a rule target would receive for a published entry. */
function asDelivered(entry: PublishEntry) {
  return {
    version: '0',
    id: 'delivery-1',
    'detail-type': entry.detailType,
    source: entry.source,
    account: '123456789012',
    time: (entry.time ?? new Date()).toISOString(),
    region: 'eu-west-1',
    resources: [],
    detail: JSON.parse(JSON.stringify(entry.detail)) as unknown,
  };
}

describe('contracts: ingest as a producer', () => {
  it('publishes only events that parse with the contract they name, under imgpipe.ingest', async () => {
    const h = createHarness();
    const upload = async (body: Buffer) => {
      const { grant, object } = await h.upload('user-1', body);
      await h.services.checkUpload(object);
      return grant;
    };
    // Every kind of event ingest publishes: accepted, each kind of rejection, a refused upload, a delete.
    const ok = await upload(await testImage('jpeg', { width: 64, height: 48 }));
    await upload(await testImage('random'));
    await upload(await testImage('svg'));
    await upload(await testImage('png-bomb-header'));
    const planted = ok.key.replace('photo.jpg', 'planted.jpg');
    await h.store.put({ bucket: h.config.originalsBucket, key: planted, body: new Uint8Array([1]), contentType: 'image/jpeg' });
    await h.services.checkUpload({ bucket: h.config.originalsBucket, key: planted });
    await h.storePublished();
    await h.store.put({ bucket: h.config.processedBucket, key: compressedKey('user-1', ok.imageId, 'v1', 'webp'), body: new Uint8Array([1]), contentType: 'image/webp' });
    await h.services.deleteImage('user-1', ok.imageId);

    const published = h.publisher.published;
    expect(published.map((e) => e.detailType).sort()).toEqual([
      'ImageDeleted',
      'ImageProcessingFailed',
      'ImageProcessingFailed',
      'ImageProcessingFailed',
      'ImageUploaded',
      'UploadRefused',
    ]);
    for (const entry of published) {
      expect(entry.source).toBe(INGEST_SOURCE);
      const contract = findContract(entry.detailType, (entry.detail as { version: number }).version);
      expect(contract).toBeDefined();
      const envelope = parseEventBridgeEvent(contract as AnyContract, asDelivered(entry));
      expect(envelope).toEqual(JSON.parse(JSON.stringify(entry.detail)));
    }
  });
});

describe('contracts: ingest as a consumer of the history', () => {
  // GET /images/{id} reads every event an image's history may hold; the owner comes from
  // each event's data. Every stored example of every contract must be shown, to its owner only.
  const examples = imageHistoryContracts.flatMap((contract) =>
    readStoredExamples(contract).map((example) => ({ contract, example })),
  );

  it('has stored examples of every contract', () => {
    expect(new Set(examples.map((e) => e.contract.id))).toEqual(new Set(imageHistoryContracts.map((c) => c.id)));
  });

  it.each(examples.map(({ contract, example }) => [`${contract.id}/${example.name}`, contract, example.detail] as const))(
    'shows %s in the history, to its owner only',
    async (_name, contract, detail) => {
      const h = createHarness();
      const stored = detail as { eventId: string; occurredAt: string; data: { imageId: string; userId: string } };
      await h.eventStore.append(stored.data.imageId, 0, [
        {
          eventId: stored.eventId,
          source: contract.source,
          detailType: contract.detailType,
          occurredAt: stored.occurredAt,
          detail: stored as unknown as Record<string, unknown>,
        },
      ]);

      const details = await h.services.getImage(stored.data.userId, stored.data.imageId);

      expect(details.image).toBeNull();
      expect(details.history).toEqual([
        expect.objectContaining({ sequence: 1, detailType: contract.detailType, eventId: stored.eventId, data: stored.data }),
      ]);
      await expect(h.services.getImage(`not-${stored.data.userId}`, stored.data.imageId)).rejects.toBeInstanceOf(
        ImageNotFoundError,
      );
    },
  );
});
