import { z } from 'zod';
import { defineContract, type DataOf, type EnvelopeOf, type SourceOf } from './contract';
import { createEnvelope, toPutEventsEntry } from './envelope';
import { formatPath } from './errors';
import { deterministicUuid, exampleEnvelope } from './examples';
import { ImageProcessingFailedV1 } from './events/image-processing-failed.contract';
import { ImageUploadedV1, type ImageUploadedData } from './events/image-uploaded.contract';
import { findContract } from './registry';

const data = z.object({ imageId: z.string() });
const examples = { minimal: { imageId: 'a' }, full: { imageId: 'b' } };

describe('defineContract', () => {
  it('gives a single-source contract its source as the only one', () => {
    const contract = defineContract({
      source: 'imgpipe.ingest',
      detailType: 'ImageDeleted',
      version: 3,
      description: 'd',
      data,
      examples,
    });

    expect(contract).toMatchObject({
      id: 'ImageDeleted.v3',
      source: 'imgpipe.ingest',
      sources: ['imgpipe.ingest'],
      detailType: 'ImageDeleted',
      version: 3,
    });
    expect(Object.isFrozen(contract)).toBe(true);
  });

  it('makes the first of several sources the primary one', () => {
    expect(ImageProcessingFailedV1.source).toBe('imgpipe.metadata');
    expect(ImageProcessingFailedV1.sources).toEqual(['imgpipe.metadata', 'imgpipe.ingest']);
  });

  it.each([
    ['a version of 0', { source: 'imgpipe.ingest', version: 0 }, 'version must be a positive integer'],
    ['a fractional version', { source: 'imgpipe.ingest', version: 1.5 }, 'version must be a positive integer'],
    ['both source and sources', { source: 'imgpipe.ingest', sources: ['imgpipe.ingest'], version: 1 }, 'exactly one'],
    ['no source', { sources: [], version: 1 }, 'exactly one'],
    ['a repeated source', { sources: ['imgpipe.ingest', 'imgpipe.ingest'], version: 1 }, 'sources repeat'],
  ])('refuses %s', (_case, parts, message) => {
    const unchecked = defineContract as (definition: unknown) => unknown;
    expect(() => unchecked({ detailType: 'ImageDeleted', description: 'd', data, examples, ...parts })).toThrow(message);
  });

  it('refuses an example name that is not a safe file name', () => {
    expect(() =>
      defineContract({
        source: 'imgpipe.ingest',
        detailType: 'ImageDeleted',
        version: 1,
        description: 'd',
        data,
        examples: { ...examples, '../escape': { imageId: 'c' } },
      }),
    ).toThrow('example name ../escape is not kebab-case');
  });
});

describe('deterministicUuid', () => {
  it('is stable, distinct per name and a valid version-8 UUID', () => {
    const a = deterministicUuid('ImageUploaded.v1/full');

    expect(a).toBe(deterministicUuid('ImageUploaded.v1/full'));
    expect(a).not.toBe(deterministicUuid('ImageUploaded.v1/minimal'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(z.uuid().safeParse(a).success).toBe(true);
  });

  it('gives each example envelope its own id', () => {
    expect(exampleEnvelope(ImageUploadedV1, 'full').eventId).toBe(deterministicUuid('ImageUploaded.v1/full'));
    expect(() => exampleEnvelope(ImageUploadedV1, 'nope')).toThrow('ImageUploaded.v1 has no example named nope');
  });
});

describe('formatPath', () => {
  it.each([
    [['data', 'original', 'size'], 'data.original.size'],
    [['data', 'variants', 0, 'key'], 'data.variants[0].key'],
    [['detail-type'], 'detail-type'],
    [['data', 'thumbnails', 'a b'], 'data.thumbnails["a b"]'],
    [['data', 'thumbnails', 'k'.repeat(100)], `data.thumbnails["${'k'.repeat(40)}..."]`],
    [[], '(root)'],
  ])('%j -> %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe('types', () => {
  it('infers data, envelope and source types from the contract', () => {
    // Compile-time assertions: `npx tsc -p tsconfig.json` fails when these stop holding.
    const detail: EnvelopeOf<typeof ImageUploadedV1> = exampleEnvelope(ImageUploadedV1, 'full');
    const fromContract: DataOf<typeof ImageUploadedV1> = detail.data;
    const named: ImageUploadedData = fromContract;
    const version: 1 = detail.version;
    const source: SourceOf<typeof ImageProcessingFailedV1> = 'imgpipe.ingest';
    // @ts-expect-error compress does not publish failures
    const foreign: SourceOf<typeof ImageProcessingFailedV1> = 'imgpipe.compress';
    const found: typeof ImageUploadedV1 | undefined = findContract('ImageUploaded', 1);

    // @ts-expect-error the data is checked against the contract at compile time too
    expect(() => createEnvelope(ImageUploadedV1, { imageId: 'x' }, { correlationId: 'c' })).toThrow();
    const failed = exampleEnvelope(ImageProcessingFailedV1, 'minimal');
    // @ts-expect-error a contract with several sources needs the publishing source named
    expect(() => toPutEventsEntry(ImageProcessingFailedV1, failed, 'bus')).toThrow();

    expect([named.imageId, version, source, foreign, found?.id]).toEqual([
      '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      1,
      'imgpipe.ingest',
      'imgpipe.compress',
      'ImageUploaded.v1',
    ]);
  });
});
