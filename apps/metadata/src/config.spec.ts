import { ConfigError } from '@imgpipe/platform';
import { DEFAULT_UNDO_WINDOW_SECONDS } from '@imgpipe/contracts';
import { DEFAULT_MAX_ATTEMPTS, loadMetadataConfig } from './config';

const env = {
  AWS_REGION: 'eu-west-1',
  IMAGES_TABLE: 'image-metadata',
  EVENTS_TABLE: 'image-events',
  EVENT_BUS_NAME: 'imgpipe',
  ORIGINALS_BUCKET: 'imgpipe-originals',
  PROCESSED_BUCKET: 'imgpipe-processed',
};

describe('loadMetadataConfig', () => {
  it('reads the tables, the buckets, the bus and the defaults (a 7-day undo window)', () => {
    expect(loadMetadataConfig(env)).toEqual({
      aws: { region: 'eu-west-1' },
      tables: { images: 'image-metadata', events: 'image-events' },
      buckets: { originals: 'imgpipe-originals', processed: 'imgpipe-processed' },
      eventBusName: 'imgpipe',
      projection: { undoWindowSeconds: DEFAULT_UNDO_WINDOW_SECONDS },
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      reconcile: { afterMinutes: 15, maxRedrives: 1 },
    });
  });

  it('reads the retention, the attempts and an endpoint override', () => {
    const config = loadMetadataConfig({
      ...env,
      RETENTION_DAYS: '365',
      METADATA_MAX_ATTEMPTS: '3',
      IMGPIPE_DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
    });

    expect(config.projection).toEqual({ retentionDays: 365, undoWindowSeconds: 604_800 });
    expect(config.maxAttempts).toBe(3);
    expect(config.aws.endpoints).toEqual({ dynamodb: 'http://127.0.0.1:4567' });
  });

  it('fails fast naming every variable at fault', () => {
    const error = (() => {
      try {
        loadMetadataConfig({ AWS_REGION: 'eu-west-1', IMAGES_TABLE: 'x', RETENTION_DAYS: 'forever' });
      } catch (e) {
        return e;
      }
    })() as ConfigError;

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.variables.sort()).toEqual([
      'EVENTS_TABLE',
      'EVENT_BUS_NAME',
      'IMAGES_TABLE',
      'ORIGINALS_BUCKET',
      'PROCESSED_BUCKET',
      'RETENTION_DAYS',
    ]);
    expect(error.message).toContain('EVENTS_TABLE is not set');
  });

  it('reads the undo window, and refuses one that is not a positive number of seconds up to a year', () => {
    expect(loadMetadataConfig({ ...env, UNDO_WINDOW_SECONDS: '60' }).projection.undoWindowSeconds).toBe(60);
    for (const bad of ['0', '-5', 'week', String(366 * 86_400)]) {
      expect(() => loadMetadataConfig({ ...env, UNDO_WINDOW_SECONDS: bad })).toThrow(/UNDO_WINDOW_SECONDS/);
    }
  });
});
