import { ConfigError } from '@imgpipe/platform';
import { DEFAULT_RENDITION_SET_PRESET, renditionSetVersion, resolveRenditionSet } from '@imgpipe/image-ops/checks';
import { DEFAULT_UNDO_WINDOW_SECONDS } from '@imgpipe/contracts';
import { loadIngestConfig } from './config';
import { TEST_ENV } from './testing/ingest-harness';

const shop = { name: 'shop', renditions: { card: { width: 320, height: 240, fit: 'cover', format: 'webp' } } };

describe('loadIngestConfig', () => {
  it('has safe defaults for every knob', () => {
    const config = loadIngestConfig(TEST_ENV);
    expect(config).toMatchObject({
      originalsBucket: 'imgpipe-originals',
      processedBucket: 'imgpipe-processed',
      imagesTable: 'image-metadata',
      eventsTable: 'image-events',
      grantsTable: 'upload-grants',
      eventBusName: 'imgpipe',
      maxUploadBytes: 25 * 1024 * 1024,
      uploadTtlSeconds: 900,
      headBytes: 64 * 1024,
      renditionsVersion: renditionSetVersion(resolveRenditionSet(DEFAULT_RENDITION_SET_PRESET)),
      undoWindowSeconds: DEFAULT_UNDO_WINDOW_SECONDS,
    });
    expect(config.cdnDistributionId).toBeUndefined();
    expect(config.policy.maxBytes).toBe(config.maxUploadBytes);
    expect(config.acceptedContentTypes).toContain('image/jpeg');
    expect(config.acceptedContentTypes).not.toContain('image/svg+xml');
  });

  it('reads the knobs', () => {
    const config = loadIngestConfig({
      ...TEST_ENV,
      MAX_UPLOAD_BYTES: '1048576',
      UPLOAD_URL_TTL_SECONDS: '300',
      UPLOAD_HEAD_BYTES: '4096',
      RENDITION_SET: JSON.stringify(shop),
      IMGPIPE_S3_ENDPOINT: 'http://127.0.0.1:4568',
    });
    expect(config).toMatchObject({ maxUploadBytes: 1048576, uploadTtlSeconds: 300, headBytes: 4096 });
    expect(config.renditionsVersion).toBe(renditionSetVersion(resolveRenditionSet(shop)));
    expect(config.aws.endpoints).toEqual({ s3: 'http://127.0.0.1:4568' });
  });

  it('reads the undo window and the CDN distribution, and refuses unusable ones', () => {
    expect(loadIngestConfig({ ...TEST_ENV, UNDO_WINDOW_SECONDS: '5', CDN_DISTRIBUTION_ID: 'E2ABCDEF123456' })).toMatchObject({
      undoWindowSeconds: 5,
      cdnDistributionId: 'E2ABCDEF123456',
    });
    for (const bad of [{ UNDO_WINDOW_SECONDS: '0' }, { UNDO_WINDOW_SECONDS: '31536001' }, { CDN_DISTRIBUTION_ID: 'arn:aws:x' }]) {
      expect(() => loadIngestConfig({ ...TEST_ENV, ...bad })).toThrow(ConfigError);
    }
  });

  it('fails fast naming every variable at fault', () => {
    const error = (() => {
      try {
        loadIngestConfig({ AWS_REGION: 'eu-west-1', ORIGINALS_BUCKET: 'Bad_Bucket', UPLOAD_URL_TTL_SECONDS: '0' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(
      expect.arrayContaining(['ORIGINALS_BUCKET', 'PROCESSED_BUCKET', 'IMAGES_TABLE', 'EVENTS_TABLE', 'GRANTS_TABLE', 'EVENT_BUS_NAME', 'UPLOAD_URL_TTL_SECONDS']),
    );
  });

  it('names RENDITION_SET when it is not a rendition set', () => {
    expect(() => loadIngestConfig({ ...TEST_ENV, RENDITION_SET: '{"name":"x"}' })).toThrow(/RENDITION_SET is not a valid rendition set/);
    expect(() => loadIngestConfig({ ...TEST_ENV, RENDITION_SET: '/nonexistent/renditions.json' })).toThrow(ConfigError);
  });
});
