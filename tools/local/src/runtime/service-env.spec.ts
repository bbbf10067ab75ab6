import { loadCompressConfig } from '@imgpipe/compress';
import { loadIngestConfig } from '@imgpipe/ingest';
import { loadMetadataConfig } from '@imgpipe/metadata';
import { loadNotifyConfig } from '@imgpipe/notify';
import { RESOURCE_ROLES, SERVICE_ENV, type ServiceEnv } from '@imgpipe/platform';
import { loadThumbnailConfig } from '@imgpipe/thumbnail';
import { LOCAL_BUCKETS } from './layout';
import { LOCAL_NOTIFY_TOPIC_ARN, LOCAL_RESOURCES, localCdnBaseUrl, localServiceEnv } from './service-env';

const endpoints = { s3: 'http://127.0.0.1:4568', dynamodb: 'http://127.0.0.1:4569' };

describe('localServiceEnv', () => {
  it('gives every service a configuration that loads, from nothing but the knobs', () => {
    const env = localServiceEnv({}, { region: 'us-east-1', endpoints });
    expect(loadCompressConfig(env).originalsBucket).toBe(LOCAL_BUCKETS.originals);
    expect(loadThumbnailConfig(env).processedBucket).toBe(LOCAL_BUCKETS.processed);
    expect(loadIngestConfig(env).grantsTable).toBe(LOCAL_RESOURCES.grantsTable);
    expect(loadMetadataConfig(env).aws.endpoints).toEqual(endpoints);
    expect(loadNotifyConfig(env).topicArn).toBe(LOCAL_NOTIFY_TOPIC_ARN);
  });

  it('keeps the knobs and replaces any resource or endpoint the base names with the local one', () => {
    const env = localServiceEnv(
      {
        WEBP_QUALITY: '60',
        ORIGINALS_BUCKET: 'someone-elses-bucket',
        CDN_DISTRIBUTION_ID: 'E123',
        IMGPIPE_AWS_ENDPOINT: 'http://elsewhere:1',
        AWS_REGION: 'eu-west-1',
      },
      { region: 'us-east-1', endpoints },
    );
    expect(env['WEBP_QUALITY']).toBe('60');
    expect(env['ORIGINALS_BUCKET']).toBe(LOCAL_BUCKETS.originals);
    expect(env['CDN_DISTRIBUTION_ID']).toBeUndefined();
    expect(env['IMGPIPE_AWS_ENDPOINT']).toBeUndefined();
    expect(env['AWS_REGION']).toBe('us-east-1');
  });

  it('sets every resource variable any service declares, from the one table of local resources', () => {
    const env = localServiceEnv({}, { region: 'us-east-1', endpoints });
    const resourceVariables = Object.values<ServiceEnv>(SERVICE_ENV).flatMap((declaration) =>
      Object.entries(declaration).flatMap(([name, v]) => (v.source === 'resource' ? [[name, v.resource] as const] : [])),
    );
    for (const [name, role] of resourceVariables) expect(env[name]).toBe(LOCAL_RESOURCES[role]);
    expect(Object.keys(LOCAL_RESOURCES).sort()).toEqual([...RESOURCE_ROLES].sort());
  });
});

describe('localCdnBaseUrl', () => {
  it('is the absolute /cdn of the bound port, on loopback for a wildcard host, IPv6 in brackets', () => {
    expect(localCdnBaseUrl('127.0.0.1', 41234)).toBe('http://127.0.0.1:41234/cdn');
    expect(localCdnBaseUrl('0.0.0.0', 3000)).toBe('http://127.0.0.1:3000/cdn');
    expect(localCdnBaseUrl('::1', 3000)).toBe('http://[::1]:3000/cdn');
  });

  it('refuses a port that is not bound yet (0): a record must never carry a relative /cdn', () => {
    expect(() => localCdnBaseUrl('127.0.0.1', 0)).toThrow(RangeError);
    expect(() => localCdnBaseUrl('127.0.0.1', 70000)).toThrow(RangeError);
  });
});
