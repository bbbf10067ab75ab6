import { z } from 'zod';
import { envBoolean, envInt, loadConfig, platformConfigSchema, resourcesConfigSchema } from './config';
import { ConfigError } from './errors';

const base = { AWS_REGION: 'eu-west-1', ORIGINALS_BUCKET: 'imgpipe-originals', PROCESSED_BUCKET: 'imgpipe-processed' };

describe('loadConfig', () => {
  it('fails fast naming the missing variable', () => {
    const error = (() => {
      try {
        loadConfig(platformConfigSchema, { AWS_REGION: 'eu-west-1', PROCESSED_BUCKET: 'imgpipe-processed' });
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('invalid configuration: ORIGINALS_BUCKET is not set');
    expect((error as ConfigError).variables).toEqual(['ORIGINALS_BUCKET']);
  });

  it('names every bad variable with the reason, without echoing values', () => {
    const schema = platformConfigSchema.extend({ MAX_UPLOAD_BYTES: envInt(), STRICT: envBoolean() });

    const error = (() => {
      try {
        loadConfig(schema, { ...base, AWS_REGION: 'moon', MAX_UPLOAD_BYTES: 'secret-ish', STRICT: 'Yes', IMGPIPE_AWS_ENDPOINT: 'ftp://x' });
      } catch (e) {
        return e as ConfigError;
      }
    })();

    expect(error?.variables.sort()).toEqual(['AWS_REGION', 'IMGPIPE_AWS_ENDPOINT', 'MAX_UPLOAD_BYTES', 'STRICT']);
    expect(error?.message).toMatch(/AWS_REGION is invalid: must be an AWS region/);
    expect(error?.message).not.toContain('secret-ish');
  });

  it('treats an empty variable as unset, so defaults apply', () => {
    const schema = z.object({ WEBP_QUALITY: z.coerce.number().int().default(80) });

    expect(loadConfig(schema, { WEBP_QUALITY: '' })).toEqual({ WEBP_QUALITY: 80 });
    expect(() => loadConfig(platformConfigSchema, { ...base, ORIGINALS_BUCKET: '' })).toThrow('ORIGINALS_BUCKET is not set');
  });
});

describe('resourcesConfigSchema', () => {
  it('lets a service pick only the resources it uses', () => {
    const schema = platformConfigSchema.extend(resourcesConfigSchema.pick({ EVENTS_TABLE: true }).shape);

    expect(loadConfig(schema, { ...base, EVENTS_TABLE: 'events' }).EVENTS_TABLE).toBe('events');
    expect(() => loadConfig(schema, base)).toThrow('EVENTS_TABLE is not set');
  });
});
