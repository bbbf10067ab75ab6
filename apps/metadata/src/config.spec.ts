import { ConfigError } from '@imgpipe/platform';
import { DEFAULT_MAX_ATTEMPTS, loadMetadataConfig } from './config';

const env = {
  AWS_REGION: 'eu-west-1',
  IMAGES_TABLE: 'image-metadata',
  EVENTS_TABLE: 'image-events',
  EVENT_BUS_NAME: 'imgpipe',
};

describe('loadMetadataConfig', () => {
  it('reads the tables, the bus and the defaults', () => {
    expect(loadMetadataConfig(env)).toEqual({
      aws: { region: 'eu-west-1' },
      tables: { images: 'image-metadata', events: 'image-events' },
      eventBusName: 'imgpipe',
      projection: {},
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
    });
  });

  it('reads the retention, the attempts and an endpoint override', () => {
    const config = loadMetadataConfig({
      ...env,
      RETENTION_DAYS: '365',
      METADATA_MAX_ATTEMPTS: '3',
      IMGPIPE_DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
    });

    expect(config.projection).toEqual({ retentionDays: 365 });
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
    expect(error.variables.sort()).toEqual(['EVENTS_TABLE', 'EVENT_BUS_NAME', 'IMAGES_TABLE', 'RETENTION_DAYS']);
    expect(error.message).toContain('EVENTS_TABLE is not set');
  });
});
