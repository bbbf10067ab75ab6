import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { readInfraConfig } from '@imgpipe/infra-shared';
import { testApp } from './testing/test-app';

describe('readInfraConfig', () => {
  it('uses the defaults cdk.json carries', () => {
    expect(readInfraConfig(testApp().node)).toEqual({
      eventBusName: 'imgpipe',
      archiveRetentionDays: 30,
      logRetention: RetentionDays.ONE_MONTH,
      logLevel: 'INFO',
      uploadCorsOrigins: ['*'],
      extraSignInCallbackUrls: [],
      jwt: { kind: 'cognito' },
    });
  });

  it('takes -c overrides, which arrive as strings', () => {
    const config = readInfraConfig(
      testApp({
        'imgpipe:archiveRetentionDays': '90',
        'imgpipe:logRetentionDays': '14',
        'imgpipe:uploadCorsOrigins': 'https://a.example, https://b.example',
      }).node,
    );
    expect(config.archiveRetentionDays).toBe(90);
    expect(config.logRetention).toBe(RetentionDays.TWO_WEEKS);
    expect(config.uploadCorsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('fails synth naming every bad key', () => {
    const node = testApp({ 'imgpipe:logRetentionDays': 31, 'imgpipe:logLevel': 'LOUD' }).node;
    expect(() => readInfraConfig(node)).toThrow(/imgpipe:logRetentionDays.*imgpipe:logLevel|imgpipe:logLevel.*imgpipe:logRetentionDays/);
  });
});
