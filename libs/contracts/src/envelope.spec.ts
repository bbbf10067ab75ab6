import { ContractError } from './errors';
import {
  createEnvelope,
  parseDetail,
  parseEventBridgeEvent,
  toEventBridgeEvent,
  toPutEventsEntry,
} from './envelope';
import { exampleEnvelope } from './examples';
import { ImageDeletedV1 } from './events/image-deleted.contract';
import { ImageProcessedV1, ImageProcessedV2 } from './events/image-processed.contract';
import { ImageProcessingFailedV1 } from './events/image-processing-failed.contract';
import { ImageUploadedV1, type ImageUploadedData } from './events/image-uploaded.contract';
import { allContracts, findContract, imageHistoryContracts, parseKnownEvent, toEventPattern } from './registry';

const ids = {
  correlationId: 'corr-7',
  eventId: '0b9e6a4c-3f1d-4e2a-8c7b-5d6e7f8a9b0c',
  occurredAt: '2025-03-04T05:06:07.089Z',
};
const uploaded = ImageUploadedV1.examples.full;

function thrown(fn: () => unknown): ContractError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('expected a ContractError');
}

describe('createEnvelope', () => {
  it('wraps the data in the envelope with the given ids', () => {
    expect(createEnvelope(ImageUploadedV1, uploaded, ids)).toEqual({ version: 1, ...ids, data: uploaded });
  });

  it('draws a UUID event id and stamps the time when not given', () => {
    const envelope = createEnvelope(ImageUploadedV1, uploaded, { correlationId: 'c' });
    const other = createEnvelope(ImageUploadedV1, uploaded, { correlationId: 'c' });

    expect(envelope.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(envelope.eventId).not.toBe(other.eventId);
    expect(new Date(envelope.occurredAt).toISOString()).toBe(envelope.occurredAt);
  });

  it('refuses data that does not fit, naming the field', () => {
    const data = { ...uploaded, original: { ...uploaded.original, size: -1 } };

    const error = thrown(() => createEnvelope(ImageUploadedV1, data, ids));

    expect(error.message).toBe('ImageUploaded v1: data.original.size: Too small: expected number to be >0');
    expect(error.contract).toBe('ImageUploaded v1');
    expect(error.cause).toBeDefined();
  });

  it('refuses a correlation id with spaces', () => {
    const error = thrown(() => createEnvelope(ImageUploadedV1, uploaded, { ...ids, correlationId: 'a b' }));
    expect(error.issues.map((i) => i.path)).toEqual([['correlationId']]);
  });
});

describe('toPutEventsEntry', () => {
  it('builds the PutEvents entry, whose Detail parses back to the envelope', () => {
    const envelope = createEnvelope(ImageUploadedV1, uploaded, ids);

    const entry = toPutEventsEntry(ImageUploadedV1, envelope, 'imgpipe');

    expect(entry).toEqual({
      Source: 'imgpipe.ingest',
      DetailType: 'ImageUploaded',
      Detail: JSON.stringify(envelope),
      EventBusName: 'imgpipe',
    });
    expect(parseDetail(ImageUploadedV1, entry.Detail)).toEqual(envelope);
  });

  it('validates the envelope again: nothing its contract refuses is published', () => {
    const envelope = { ...createEnvelope(ImageUploadedV1, uploaded, ids), occurredAt: 'yesterday' };
    expect(thrown(() => toPutEventsEntry(ImageUploadedV1, envelope, 'imgpipe')).issues[0]?.path).toEqual([
      'occurredAt',
    ]);
  });

  it("refuses a detail over EventBridge's 256 KB entry limit", () => {
    const deletedKeys = Array.from({ length: 300 }, (_, i) => `thumbnails/u/i/${String(i).padStart(1000, '0')}`);
    const envelope = createEnvelope(ImageDeletedV1, { ...ImageDeletedV1.examples.minimal, deletedKeys }, ids);

    const error = thrown(() => toPutEventsEntry(ImageDeletedV1, envelope, 'imgpipe'));

    expect(error.issues[0]?.code).toBe('too_large');
    expect(error.message).toMatch(/^ImageDeleted v1: \(root\): detail is \d+ bytes, over EventBridge's 262144$/);
  });

  it('publishes a contract with several sources under the source the producer names', () => {
    const envelope = createEnvelope(ImageProcessingFailedV1, ImageProcessingFailedV1.examples.minimal, ids);

    expect(toPutEventsEntry(ImageProcessingFailedV1, envelope, 'b', { source: 'imgpipe.ingest' }).Source).toBe(
      'imgpipe.ingest',
    );
    expect(toPutEventsEntry(ImageProcessingFailedV1, envelope, 'b', { source: 'imgpipe.metadata' }).Source).toBe(
      'imgpipe.metadata',
    );
  });

  it('refuses to guess the source of a contract with several, or to take a foreign one', () => {
    const envelope = createEnvelope(ImageProcessingFailedV1, ImageProcessingFailedV1.examples.minimal, ids);
    const unchecked = toPutEventsEntry as (...args: unknown[]) => unknown;

    expect(thrown(() => unchecked(ImageProcessingFailedV1, envelope, 'b')).message).toBe(
      'ImageProcessingFailed v1: source: name the publishing source: one of imgpipe.metadata, imgpipe.ingest',
    );
    expect(thrown(() => unchecked(ImageProcessingFailedV1, envelope, 'b', { source: 'imgpipe.compress' })).message).toBe(
      'ImageProcessingFailed v1: source: expected one of imgpipe.metadata, imgpipe.ingest',
    );
  });
});

describe('parseEventBridgeEvent', () => {
  const envelope = createEnvelope(ImageUploadedV1, uploaded, ids);
  const event = toEventBridgeEvent(ImageUploadedV1, envelope);

  it('returns the typed envelope of a delivered event', () => {
    const parsed = parseEventBridgeEvent(ImageUploadedV1, event);

    const data: ImageUploadedData = parsed.data;
    expect(data).toEqual(uploaded);
    expect(parsed).toEqual(envelope);
  });

  it('reads an event given as JSON text (an SQS message body)', () => {
    expect(parseEventBridgeEvent(ImageUploadedV1, JSON.stringify(event))).toEqual(envelope);
  });

  it('builds the delivered shape deterministically from the envelope', () => {
    expect(event).toEqual({
      version: '0',
      id: ids.eventId,
      'detail-type': 'ImageUploaded',
      source: 'imgpipe.ingest',
      account: '000000000000',
      time: ids.occurredAt,
      region: 'us-east-1',
      resources: [],
      detail: envelope,
    });
  });

  it('refuses an event from another source, of another type or version, before reading the data', () => {
    const stray = { ...event, source: 'imgpipe.compress', 'detail-type': 'ImageCompressed', detail: { version: 2 } };

    const error = thrown(() => parseEventBridgeEvent(ImageUploadedV1, stray));

    expect(error.message).toBe(
      'ImageUploaded v1: source: expected one of imgpipe.ingest; detail-type: expected ImageUploaded; detail.version: expected 1',
    );
  });

  it('names detail fields from the event root', () => {
    const bad = { ...event, detail: { ...envelope, data: { ...uploaded, width: 1.5 } } };
    expect(thrown(() => parseEventBridgeEvent(ImageUploadedV1, bad)).message).toBe(
      'ImageUploaded v1: detail.data.width: expected int, received number',
    );
  });

  it.each([
    ['not JSON', '{"source":', '(root): is not valid JSON'],
    ['not an object', [1, 2], '(root): expected an EventBridge event object'],
    ['without a detail', { source: 'imgpipe.ingest', 'detail-type': 'ImageUploaded' }, 'detail: expected object'],
  ])('refuses an event that is %s', (_case, input, message) => {
    expect(thrown(() => parseEventBridgeEvent(ImageUploadedV1, input)).message).toBe(`ImageUploaded v1: ${message}`);
  });

  it('refuses JSON text larger than any event before parsing it', () => {
    const error = thrown(() => parseEventBridgeEvent(ImageUploadedV1, ' '.repeat(300 * 1024)));
    expect(error.issues[0]?.code).toBe('too_large');
  });

  it('accepts either source of a contract with several', () => {
    const failed = createEnvelope(ImageProcessingFailedV1, ImageProcessingFailedV1.examples.full, ids);
    for (const source of ImageProcessingFailedV1.sources) {
      const delivered = toEventBridgeEvent(ImageProcessingFailedV1, failed, { source });
      expect(parseEventBridgeEvent(ImageProcessingFailedV1, delivered).data.code).toBe('TRANSIENT_EXHAUSTED');
    }
  });
});

describe('registry', () => {
  it('holds every version of every event once', () => {
    const ids = allContracts.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([
      'ImageUploaded.v1',
      'ImageCompressed.v1',
      'ImageCompressed.v2',
      'ThumbnailsGenerated.v1',
      'ThumbnailsGenerated.v2',
      'ThumbnailsGenerated.v3',
      'ImageProcessed.v1',
      'ImageProcessed.v2',
      'ImageProcessingFailed.v1',
      'ImageDeleted.v1',
      'ImageDeleted.v2',
      'ImageRestored.v1',
      'ImagePurged.v1',
      'UploadRefused.v1',
      'ImageVariantAdded.v1',
    ]);
  });

  it('keeps audit-only events (UploadRefused) out of the contracts of an image history', () => {
    expect(imageHistoryContracts.map((c) => c.id)).toEqual(
      allContracts.map((c) => c.id).filter((id) => id !== 'UploadRefused.v1'),
    );
  });

  it('finds a contract by detail-type and version', () => {
    expect(findContract('ImageProcessed', 1)).toBe(ImageProcessedV1);
    expect(findContract('ImageProcessed', 2)).toBe(ImageProcessedV2);
    expect(findContract('ImageProcessed', 3)).toBeUndefined();
    expect(findContract('Nope', 1)).toBeUndefined();
  });

  it('parseKnownEvent routes an event to the contract it is for', () => {
    const consumes = [ImageProcessedV1, ImageProcessingFailedV1] as const;
    const failed = exampleEnvelope(ImageProcessingFailedV1, 'minimal');

    const parsed = parseKnownEvent(consumes, toEventBridgeEvent(ImageProcessingFailedV1, failed, { source: 'imgpipe.ingest' }));

    expect(parsed.detailType).toBe('ImageProcessingFailed');
    expect(parsed.source).toBe('imgpipe.ingest');
    if (parsed.detailType !== 'ImageProcessingFailed') throw new Error('narrowing');
    expect(parsed.envelope.data.code).toBe('EMPTY');
  });

  it('parseKnownEvent refuses an event none of the contracts is for', () => {
    const uploadedEvent = toEventBridgeEvent(ImageUploadedV1, exampleEnvelope(ImageUploadedV1, 'minimal'));
    expect(thrown(() => parseKnownEvent([ImageProcessedV1, ImageProcessingFailedV1], uploadedEvent)).message).toBe(
      'ImageProcessed v1, ImageProcessingFailed v1: (root): not one of the expected events (ImageProcessed v1, ImageProcessingFailed v1)',
    );
  });

  it('toEventPattern matches every source of every contract, once', () => {
    expect(toEventPattern([ImageProcessedV1, ImageProcessingFailedV1])).toEqual({
      source: ['imgpipe.metadata', 'imgpipe.ingest'],
      'detail-type': ['ImageProcessed', 'ImageProcessingFailed'],
      detail: { version: [1] },
    });
    expect(() => toEventPattern([])).toThrow();
  });
});
