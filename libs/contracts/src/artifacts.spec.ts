import { readdirSync } from 'node:fs';
import { z } from 'zod';
import {
  checkExamplesPublished,
  checkSchemaFile,
  checkStoredExamples,
  readStoredExamples,
  renderExampleFile,
  schemasDir,
  storedExampleVersions,
} from './artifacts';
import { defineContract, type AnyContract } from './contract';
import { parseDetail } from './envelope';
import { ImageUploadedDataSchema, ImageUploadedV1 } from './events/image-uploaded.contract';
import { toJsonSchema } from './json-schema';
import { allContracts } from './registry';

const byId = allContracts.map((c) => [c.id, c] as const);

/** ImageUploaded v1 as it would be after an edit of its data schema. */
function editedImageUploadedV1(data: z.ZodType): AnyContract {
  return defineContract({
    source: ImageUploadedV1.source,
    detailType: ImageUploadedV1.detailType,
    version: ImageUploadedV1.version,
    description: ImageUploadedV1.description,
    data,
    examples: ImageUploadedV1.examples,
  });
}

describe('JSON Schema files', () => {
  it.each(byId)('schemas/%s.json is up to date', (_id, contract) => {
    expect(checkSchemaFile(contract)).toBeUndefined();
  });

  it('has no file for a version that is not in allContracts', () => {
    const expected = allContracts.map((c) => `${c.id}.json`).sort();
    expect(readdirSync(schemasDir()).sort()).toEqual(expected);
  });

  it('a schema edit makes the file stale, and says how to fix it', () => {
    const edited = editedImageUploadedV1(ImageUploadedDataSchema.extend({ note: z.string().optional() }));
    expect(checkSchemaFile(edited)).toBe(
      'schemas/ImageUploaded.v1.json is stale: run `npm run schemas:write` and commit the result',
    );
  });

  it('describes the whole detail: routing facts, envelope and data', () => {
    const schema = toJsonSchema(ImageUploadedV1) as {
      title: string;
      'x-imgpipe': unknown;
      required: string[];
      properties: { version: unknown; data: { required: string[] } };
    };

    expect(schema.title).toBe('ImageUploaded v1');
    expect(schema['x-imgpipe']).toEqual({ detailType: 'ImageUploaded', version: 1, sources: ['imgpipe.ingest'] });
    expect(schema.required).toEqual(['version', 'eventId', 'correlationId', 'occurredAt', 'data']);
    expect(schema.properties.version).toEqual({ type: 'number', const: 1 });
    expect(schema.properties.data.required).not.toContain('width');
    expect(schema.properties.data.required).toContain('original');
  });
});

describe('published examples', () => {
  it.each(byId)('every in-code example of %s is published', (_id, contract) => {
    expect(checkExamplesPublished(contract)).toEqual([]);
  });

  it('every published version is still in allContracts (a version is never removed)', () => {
    expect(allContracts.map((c) => c.id)).toEqual(expect.arrayContaining(storedExampleVersions()));
  });

  // The compatibility check: what was published must parse with today's schema, forever.
  it.each(byId)('every stored example of %s parses with its current schema', (_id, contract) => {
    expect(readStoredExamples(contract).length).toBeGreaterThanOrEqual(2);
    expect(checkStoredExamples(contract)).toEqual([]);
  });

  it.each(
    byId.flatMap(([id, contract]) => readStoredExamples(contract).map((e) => [`${id}/${e.name}`, contract, e] as const)),
  )('%s is a whole detail with a UUID event id', (_name, contract, example) => {
    const envelope = parseDetail(contract, example.detail);
    expect(envelope.version).toBe(contract.version);
    expect(envelope.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('stored examples have distinct event ids, so consumers deduplicating on them see each once', () => {
    const eventIds = allContracts.flatMap((c) =>
      readStoredExamples(c).map((e) => (e.detail as { eventId: string }).eventId),
    );
    expect(new Set(eventIds).size).toBe(eventIds.length);
  });

  it('a breaking edit fails the check, naming the example and the way out', () => {
    const edited = editedImageUploadedV1(ImageUploadedDataSchema.extend({ checksumVerified: z.boolean() }));

    const problems = checkStoredExamples(edited);

    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe(
      'examples/ImageUploaded.v1/full.json no longer parses (ImageUploaded v1: data.checksumVerified: ' +
        'expected boolean, received undefined); a breaking change must become ImageUploaded v2, not an edit of v1',
    );
  });

  it('a tightened bound is breaking too', () => {
    const edited = editedImageUploadedV1(
      ImageUploadedDataSchema.extend({ renditionsVersion: z.string().regex(/^rs-[0-9a-f]{8}$/) }),
    );
    expect(checkStoredExamples(edited)).toEqual([
      expect.stringContaining('examples/ImageUploaded.v1/minimal.json no longer parses'),
    ]);
  });

  it('an added optional field is not breaking', () => {
    const edited = editedImageUploadedV1(ImageUploadedDataSchema.extend({ note: z.string().max(10).optional() }));
    expect(checkStoredExamples(edited)).toEqual([]);
  });

  it('writes a new example as its whole detail with deterministic ids', () => {
    const text = renderExampleFile(ImageUploadedV1, 'minimal');

    expect(text).toBe(renderExampleFile(ImageUploadedV1, 'minimal'));
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toMatchObject({
      version: 1,
      correlationId: 'example-minimal',
      occurredAt: '2025-06-01T12:00:00.000Z',
      data: ImageUploadedV1.examples.minimal,
    });
  });
});
