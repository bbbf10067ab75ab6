import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { MAX_UNDO_WINDOW_SECONDS } from '@imgpipe/contracts';
import { CAPACITY_DEFAULTS, readInfraConfig } from '@imgpipe/infra-shared';
import { testApp } from './testing/test-app';

describe('readInfraConfig', () => {
  it('uses the defaults cdk.json carries', () => {
    expect(readInfraConfig(testApp().node)).toEqual({
      stage: 'dev',
      eventBusName: 'imgpipe-dev',
      archiveRetentionDays: 14,
      purgeIntervalMinutes: 60,
      logRetention: RetentionDays.ONE_MONTH,
      logLevel: 'INFO',
      uploadCorsOrigins: ['*'],
      extraSignInCallbackUrls: [],
      jwt: { kind: 'cognito' },
      stateMachineLogs: { level: 'ERROR', includeExecutionData: false },
      capacity: { ...CAPACITY_DEFAULTS },
      renditions: {},
    });
  });

  it('takes the one rendition set of thumbnail, compress and ingest: a preset name or an inline JSON set, never a file path', () => {
    const inline = '{"name":"shop","renditions":{"tile":{"width":300,"height":300}}}';
    expect(readInfraConfig(testApp({ 'imgpipe:renditionSet': 'marketplace', 'imgpipe:thumbnailBackground': '#000000' }).node).renditions).toEqual({
      renditionSet: 'marketplace',
      background: '#000000',
    });
    expect(readInfraConfig(testApp({ 'imgpipe:renditionSet': inline }).node).renditions).toEqual({ renditionSet: inline });
    // A path would be read by the functions at cold start, from a bundle that does not hold it.
    for (const bad of ['./sets/shop.json', '/etc/passwd', '{not json', '["gallery"]', '', 'Gallery']) {
      expect(() => readInfraConfig(testApp({ 'imgpipe:renditionSet': bad }).node)).toThrow(/imgpipe:renditionSet/);
    }
    expect(() => readInfraConfig(testApp({ 'imgpipe:thumbnailBackground': '' }).node)).toThrow(/imgpipe:thumbnailBackground/);
  });

  it('takes the capacity and state machine log knobs, and refuses an uploads route faster than the stage', () => {
    const config = readInfraConfig(
      testApp({
        'imgpipe:apiRateLimit': '800',
        'imgpipe:compressReservedConcurrency': '400',
        'imgpipe:stateMachineLogLevel': 'ALL',
        'imgpipe:stateMachineLogExecutionData': 'true',
      }).node,
    );
    expect(config.capacity).toMatchObject({ apiRateLimit: 800, compressReservedConcurrency: 400 });
    expect(config.stateMachineLogs).toEqual({ level: 'ALL', includeExecutionData: true });
    expect(() => readInfraConfig(testApp({ 'imgpipe:uploadsRouteRateLimit': 600 }).node)).toThrow(/imgpipe:uploadsRouteRateLimit/);
    // OFF would blind the FailureNotRecorded alarm, which reads failed executions from the log.
    expect(() => readInfraConfig(testApp({ 'imgpipe:stateMachineLogLevel': 'OFF' }).node)).toThrow(/imgpipe:stateMachineLogLevel/);
  });

  it('takes -c overrides, which arrive as strings', () => {
    const config = readInfraConfig(
      testApp({
        'imgpipe:archiveRetentionDays': '90',
        'imgpipe:undoWindowSeconds': String(90 * 86_400),
        'imgpipe:logRetentionDays': '14',
        'imgpipe:uploadCorsOrigins': 'https://a.example, https://b.example',
      }).node,
    );
    expect(config.archiveRetentionDays).toBe(90);
    expect(config.undoWindowSeconds).toBe(90 * 86_400);
    expect(config.logRetention).toBe(RetentionDays.TWO_WEEKS);
    expect(config.uploadCorsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('fails synth naming every bad key', () => {
    const node = testApp({ 'imgpipe:logRetentionDays': 31, 'imgpipe:logLevel': 'LOUD' }).node;
    expect(() => readInfraConfig(node)).toThrow(/imgpipe:logRetentionDays.*imgpipe:logLevel|imgpipe:logLevel.*imgpipe:logRetentionDays/);
  });

  it('refuses an archive that would outlive the undo window by more than the replay margin', () => {
    // 7-day window (the default) + 7 days: 14 is the most, 15 is refused.
    expect(readInfraConfig(testApp({ 'imgpipe:archiveRetentionDays': 14 }).node).archiveRetentionDays).toBe(14);
    expect(() => readInfraConfig(testApp({ 'imgpipe:archiveRetentionDays': 15 }).node)).toThrow(
      /imgpipe:archiveRetentionDays: may not exceed the undo window/,
    );
    // A 2.5-day window rounds up to 3 days: 10 is the most.
    const window = { 'imgpipe:undoWindowSeconds': 2.5 * 86_400 };
    expect(readInfraConfig(testApp({ ...window }).node)).toMatchObject({ undoWindowSeconds: 216_000, archiveRetentionDays: 10 });
    expect(() => readInfraConfig(testApp({ ...window, 'imgpipe:archiveRetentionDays': 11 }).node)).toThrow(/archiveRetentionDays/);
  });

  it('refuses an undo window beyond the contracts\' maximum, and a purge interval outside 1-720 minutes', () => {
    expect(() => readInfraConfig(testApp({ 'imgpipe:undoWindowSeconds': MAX_UNDO_WINDOW_SECONDS + 1 }).node)).toThrow(/imgpipe:undoWindowSeconds/);
    expect(() => readInfraConfig(testApp({ 'imgpipe:purgeIntervalMinutes': 0 }).node)).toThrow(/imgpipe:purgeIntervalMinutes/);
    expect(() => readInfraConfig(testApp({ 'imgpipe:purgeIntervalMinutes': 721 }).node)).toThrow(/imgpipe:purgeIntervalMinutes/);
    expect(readInfraConfig(testApp({ 'imgpipe:purgeIntervalMinutes': '15' }).node).purgeIntervalMinutes).toBe(15);
  });
});
