import { ContractError } from '../errors';
import { exampleEnvelope } from '../examples';
import { createEnvelope, parseDetail } from '../envelope';
import { allContracts } from '../registry';
import { ImageCompressedV1 } from './image-compressed.contract';
import { ImageDeletedV1 } from './image-deleted.contract';
import { ImageProcessedV1 } from './image-processed.contract';
import { ImageProcessingFailedV1 } from './image-processing-failed.contract';
import { ImageUploadedV1 } from './image-uploaded.contract';
import { ThumbnailsGeneratedV1 } from './thumbnails-generated.contract';
import { UploadRefusedV1 } from './upload-refused.contract';

/** A deep copy of a contract's example envelope, to break in one place. */
function envelopeOf(contract: (typeof allContracts)[number], name = 'full'): Record<string, unknown> & {
  data: Record<string, unknown>;
} {
  return JSON.parse(JSON.stringify(exampleEnvelope(contract, name))) as Record<string, unknown> & {
    data: Record<string, unknown>;
  };
}

/** The ContractError that parsing `detail` throws. */
function failure(contract: (typeof allContracts)[number], detail: unknown): ContractError {
  try {
    parseDetail(contract, detail);
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('expected the detail to be refused');
}

describe.each(allContracts.map((c) => [c.id, c] as const))('%s examples', (_id, contract) => {
  it('has a minimal and a full example', () => {
    expect(Object.keys(contract.examples)).toEqual(expect.arrayContaining(['minimal', 'full']));
  });

  it.each(Object.keys(contract.examples))('parses the in-code example %s', (name) => {
    const data = contract.examples[name];
    const envelope = createEnvelope(contract, data as never, {
      correlationId: 'corr-1',
      eventId: '6f1c2b9e-8d7a-4c3b-9a1f-0e2d3c4b5a69',
      occurredAt: '2025-01-01T00:00:00Z',
    });

    expect(envelope.data).toEqual(data);
    expect(parseDetail(contract, JSON.parse(JSON.stringify(envelope)))).toEqual(envelope);
  });

  it('the full example carries more than the minimal one', () => {
    const keys = (value: unknown): number => JSON.stringify(value).length;
    expect(keys(contract.examples.minimal)).toBeLessThan(keys(contract.examples.full));
  });
});

describe('refused data names the field', () => {
  it('a wrong type', () => {
    const detail = envelopeOf(ImageUploadedV1);
    (detail.data['original'] as Record<string, unknown>)['size'] = '4812331';

    const error = failure(ImageUploadedV1, detail);

    expect(error.message).toBe('ImageUploaded v1: data.original.size: expected number, received string');
    expect(error.issues).toEqual([
      expect.objectContaining({ path: ['data', 'original', 'size'], code: 'invalid_type' }),
    ]);
    expect(error).toMatchObject({ name: 'ContractError', code: 'INVALID_EVENT', retryable: false });
  });

  it('a missing field', () => {
    const detail = envelopeOf(ImageCompressedV1);
    delete detail.data['userId'];

    expect(failure(ImageCompressedV1, detail).message).toMatch(/^ImageCompressed v1: data\.userId: expected string/);
  });

  it.each(['', '../etc/passwd', 'a b', 'x'.repeat(65), 'img\u0000'])('a bad imageId %j', (imageId) => {
    const detail = envelopeOf(ImageProcessedV1);
    detail.data['imageId'] = imageId;

    const error = failure(ImageProcessedV1, detail);

    expect(error.issues.map((i) => i.path)).toEqual([['data', 'imageId']]);
    expect(error.message).toContain('data.imageId: must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
  });

  it('a huge string, without echoing it', () => {
    const detail = envelopeOf(ImageUploadedV1);
    const huge = 'holiday'.repeat(150_000);
    (detail.data['original'] as Record<string, unknown>)['filename'] = huge;

    const error = failure(ImageUploadedV1, detail);

    expect(error.message).toContain('data.original.filename: Too big: expected string to have <=255 characters');
    expect(error.message.length).toBeLessThan(500);
  });

  it('every field at once, in one error', () => {
    const error = failure(ImageDeletedV1, { version: 1, data: { deletedKeys: 'k' } });

    expect(error.issues.map((i) => i.path.join('.'))).toEqual([
      'eventId',
      'correlationId',
      'occurredAt',
      'data.imageId',
      'data.userId',
      'data.deletedKeys',
      'data.deletedAt',
    ]);
  });

  it('an index into an array', () => {
    const detail = envelopeOf(ThumbnailsGeneratedV1);
    const renditions = detail.data['renditions'] as Record<string, unknown>[];
    (renditions[1] as Record<string, unknown>)['width'] = 0;

    expect(failure(ThumbnailsGeneratedV1, detail).message).toBe(
      'ThumbnailsGenerated v1: data.renditions[1].width: Too small: expected number to be >0',
    );
  });
});

describe('field rules', () => {
  const withData = (contract: (typeof allContracts)[number], patch: Record<string, unknown>) => {
    const detail = envelopeOf(contract);
    Object.assign(detail.data, patch);
    return detail;
  };
  const pathsOf = (contract: (typeof allContracts)[number], detail: unknown) =>
    failure(contract, detail).issues.map((i) => i.path.join('.'));

  it('drops unknown fields instead of passing them on (tolerant reader)', () => {
    const detail = withData(ImageDeletedV1, { extra: 'x'.repeat(10_000) });
    detail['unexpected'] = true;

    const envelope = parseDetail(ImageDeletedV1, detail);

    expect(envelope.data).not.toHaveProperty('extra');
    expect(envelope).not.toHaveProperty('unexpected');
  });

  it.each([
    ['a control character', 'user\u0007'],
    ['a C1 control character', 'user\u0085'],
    ['an empty id', ''],
    ['129 characters', 'u'.repeat(129)],
  ])('refuses a userId with %s', (_case, userId) => {
    expect(pathsOf(ImageDeletedV1, withData(ImageDeletedV1, { userId }))).toEqual(['data.userId']);
  });

  it('accepts a userId of any printable characters', () => {
    expect(() => parseDetail(ImageDeletedV1, withData(ImageDeletedV1, { userId: 'Zoë|42@example.org' }))).not.toThrow();
  });

  it.each([
    ['a leading slash', '/uploads/u/i/a.jpg'],
    ['a .. segment', 'uploads/u/../../etc/passwd'],
    ['a . segment', 'uploads/./a.jpg'],
    ['a trailing .. segment', 'uploads/u/..'],
    ['a line break', 'uploads/u/i/a\n.jpg'],
    ['more than 1024 UTF-8 bytes', `uploads/${'é'.repeat(510)}`],
    ['nothing', ''],
  ])('refuses an object key with %s', (_case, key) => {
    expect(pathsOf(ImageDeletedV1, withData(ImageDeletedV1, { deletedKeys: [key] }))).toEqual([
      'data.deletedKeys.0',
    ]);
  });

  it('accepts keys with dots inside names and unicode', () => {
    const deletedKeys = ['uploads/u/i/my..photo.final.jpg', 'uploads/u/i/.hidden', 'thumbnails/u/i/größe.jpg'];
    expect(parseDetail(ImageDeletedV1, withData(ImageDeletedV1, { deletedKeys })).data.deletedKeys).toEqual(
      deletedKeys,
    );
  });

  it('refuses a time with an offset: instants are UTC so they sort as strings', () => {
    expect(pathsOf(ImageDeletedV1, withData(ImageDeletedV1, { deletedAt: '2025-06-02T10:30:00+02:00' }))).toEqual([
      'data.deletedAt',
    ]);
  });

  it('refuses an envelope without a UUID event id', () => {
    const detail = envelopeOf(ImageDeletedV1);
    detail['eventId'] = 'evt-1';
    expect(pathsOf(ImageDeletedV1, detail)).toEqual(['eventId']);
  });

  it('refuses another version of the envelope', () => {
    const detail = envelopeOf(ImageDeletedV1);
    detail['version'] = 2;
    expect(failure(ImageDeletedV1, detail).message).toBe('ImageDeleted v1: version: expected 1');
  });

  it.each([
    ['sha256 in upper case', `sha256:${'A'.repeat(64)}`],
    ['a short sha256', 'sha256:abc'],
    ['an unknown scheme', 'md5:5d41402abc4b2a76b9719d911017c592'],
    ['an etag with a space', 'etag:"a b"'],
  ])('refuses a content hash with %s', (_case, contentHash) => {
    const detail = envelopeOf(ImageUploadedV1);
    (detail.data['original'] as Record<string, unknown>)['contentHash'] = contentHash;
    expect(pathsOf(ImageUploadedV1, detail)).toEqual(['data.original.contentHash']);
  });

  it('refuses an empty original: that is a failure with code EMPTY', () => {
    const detail = envelopeOf(ImageUploadedV1);
    (detail.data['original'] as Record<string, unknown>)['size'] = 0;
    expect(pathsOf(ImageUploadedV1, detail)).toEqual(['data.original.size']);
  });

  it.each(['bmp', 'JPEG', 'pdf'])('refuses the original format %s', (format) => {
    expect(pathsOf(ImageUploadedV1, withData(ImageUploadedV1, { format }))).toEqual(['data.format']);
  });

  it('carries svg, which the default input policy refuses but configuration may allow', () => {
    expect(ImageUploadedV1.data.safeParse({ ...ImageUploadedV1.examples.minimal, format: 'svg' }).success).toBe(true);
  });

  it.each(['a/b.jpg', 'a\\b.jpg', 'a\u0000.jpg'])('refuses the filename %j', (filename) => {
    const detail = envelopeOf(ImageUploadedV1);
    (detail.data['original'] as Record<string, unknown>)['filename'] = filename;
    expect(pathsOf(ImageUploadedV1, detail)).toEqual(['data.original.filename']);
  });

  it('refuses an output written under uploads/, which would loop the pipeline', () => {
    const detail = envelopeOf(ImageCompressedV1);
    const variants = detail.data['variants'] as Record<string, unknown>[];
    (variants[2] as Record<string, unknown>)['key'] = 'uploads/u/i/full.jpg';

    expect(failure(ImageCompressedV1, detail).message).toContain(
      'data.variants[2].key: an output must not be written under uploads/',
    );
  });

  it('holds renditions to the same output rules', () => {
    const detail = envelopeOf(ThumbnailsGeneratedV1);
    const renditions = detail.data['renditions'] as Record<string, unknown>[];
    Object.assign(renditions[0] as Record<string, unknown>, { key: 'uploads/u/i/small.jpg', contentType: 'image/png' });
    expect(pathsOf(ThumbnailsGeneratedV1, detail)).toEqual(['data.renditions.0.key', 'data.renditions.0.contentType']);
  });

  it('refuses an output whose content type is not its format', () => {
    const detail = envelopeOf(ImageCompressedV1);
    const variants = detail.data['variants'] as Record<string, unknown>[];
    (variants[1] as Record<string, unknown>)['contentType'] = 'image/webp';
    expect(pathsOf(ImageCompressedV1, detail)).toEqual(['data.variants.1.contentType']);
  });

  it('refuses a compressedKey or compressedSize that is not the primary variant', () => {
    const detail = withData(ImageCompressedV1, { compressedKey: 'compressed/u/i/other.webp', compressedSize: 1 });
    expect(pathsOf(ImageCompressedV1, detail)).toEqual(['data.compressedKey', 'data.compressedSize']);
  });

  it('refuses no variants and more than eight', () => {
    const variant = (envelopeOf(ImageCompressedV1).data['variants'] as unknown[])[0];
    expect(pathsOf(ImageCompressedV1, withData(ImageCompressedV1, { variants: [] }))).toEqual(['data.variants']);
    expect(
      pathsOf(ImageCompressedV1, withData(ImageCompressedV1, { variants: Array.from({ length: 9 }, () => variant) })),
    ).toEqual(['data.variants']);
  });

  it('accepts negative savings (the output was bigger) but not more than 100 %', () => {
    expect(parseDetail(ImageProcessedV1, withData(ImageProcessedV1, { savingsPercent: -250.5 })).data.savingsPercent).toBe(
      -250.5,
    );
    expect(pathsOf(ImageProcessedV1, withData(ImageProcessedV1, { savingsPercent: 100.1 }))).toEqual([
      'data.savingsPercent',
    ]);
  });

  it.each([1.5, -1, 86_400_001])('refuses processingTimeMs %p', (processingTimeMs) => {
    expect(pathsOf(ImageProcessedV1, withData(ImageProcessedV1, { processingTimeMs }))).toEqual([
      'data.processingTimeMs',
    ]);
  });

  it('refuses duplicate rendition names', () => {
    const detail = envelopeOf(ThumbnailsGeneratedV1);
    const renditions = detail.data['renditions'] as Record<string, unknown>[];
    (renditions[2] as Record<string, unknown>)['name'] = 'small';
    expect(failure(ThumbnailsGeneratedV1, detail).message).toContain('data.renditions: rendition names must be unique');
  });

  it('refuses empty thumbnails and a rendition name that cannot be part of a key', () => {
    expect(pathsOf(ImageProcessedV1, withData(ImageProcessedV1, { thumbnails: {} }))).toEqual(['data.thumbnails']);
    const error = failure(ImageProcessedV1, withData(ImageProcessedV1, { thumbnails: { '../x': 'thumbnails/u/i/x.jpg' } }));
    expect(error.message).toBe('ImageProcessed v1: data.thumbnails["../x"]: Invalid key in record');
  });

  it('refuses a retryable InvalidImage failure: bad input stays bad', () => {
    const detail = envelopeOf(ImageProcessingFailedV1, 'minimal');
    detail.data['retryable'] = true;
    expect(failure(ImageProcessingFailedV1, detail).message).toBe(
      'ImageProcessingFailed v1: data.retryable: must be false for an InvalidImage code',
    );
  });

  it('accepts a multi-line reason but not other control characters or an unbounded one', () => {
    const lines = withData(ImageProcessingFailedV1, { reason: 'Compression failed.\nThe encoder ran out of memory.' });
    expect(() => parseDetail(ImageProcessingFailedV1, lines)).not.toThrow();
    expect(pathsOf(ImageProcessingFailedV1, withData(ImageProcessingFailedV1, { reason: 'bad\u001b[31m' }))).toEqual([
      'data.reason',
    ]);
    expect(pathsOf(ImageProcessingFailedV1, withData(ImageProcessingFailedV1, { reason: 'x'.repeat(2001) }))).toEqual([
      'data.reason',
    ]);
  });

  it.each(['INVALID', 'EMPTY ', 'timeout'])('refuses the failure code %j', (code) => {
    expect(pathsOf(ImageProcessingFailedV1, withData(ImageProcessingFailedV1, { code }))).toEqual(['data.code']);
  });

  it('refuses more deleted keys than the bound', () => {
    const deletedKeys = Array.from({ length: 1001 }, (_, i) => `thumbnails/u/i/${i}.jpg`);
    expect(pathsOf(ImageDeletedV1, withData(ImageDeletedV1, { deletedKeys }))).toEqual(['data.deletedKeys']);
  });

  it('refuses an UploadRefused naming an image without its owner, or an owner without its image', () => {
    expect(pathsOf(UploadRefusedV1, withData(UploadRefusedV1, { userId: undefined }))).toEqual(['data.userId']);
    expect(pathsOf(UploadRefusedV1, withData(UploadRefusedV1, { imageId: undefined }))).toEqual(['data.userId']);
    expect(pathsOf(UploadRefusedV1, withData(UploadRefusedV1, { code: 'NOPE' }))).toEqual(['data.code']);
    expect(pathsOf(UploadRefusedV1, withData(UploadRefusedV1, { key: 'uploads/../escape' }))).toEqual(['data.key']);
  });
});
