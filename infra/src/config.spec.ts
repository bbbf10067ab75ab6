import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { MAX_UNDO_WINDOW_SECONDS } from '@imgpipe/contracts';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CAPACITY_DEFAULTS, readInfraConfig, REPO_ROOT } from '@imgpipe/infra-shared';
import { testApp } from './testing/test-app';

/** Every TypeScript file under `dir`, less synth output and installed packages. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'cdk.out' || entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

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

  // image-ops' rule, applied at synth: a preset it does not have, or an inline set it would refuse,
  // fails `cdk synth` naming the key, the value and what is wrong, not every function at cold start.
  it.each([
    { value: 'galery', problem: '"galery" is neither a rendition set preset (default, marketplace, gallery) nor a JSON rendition set' },
    { value: 'sets/shop.json', problem: '"sets/shop.json" is neither a rendition set preset' },
    { value: 'Gallery', problem: '"Gallery" is neither a rendition set preset' },
    {
      value: '{"name":"shop","renditions":{"tile":{"width":300,"height":300,"fit":"crop"}}}',
      problem: '"fit\\":\\"crop\\"}}}" is not a valid rendition set: renditions.tile.fit: Invalid option: expected one of',
    },
    { value: '{"name":"shop","renditions":{}}', problem: 'is not a valid rendition set: renditions: expected 1 to' },
    { value: '{"name":"Shop!","renditions":{"tile":{"width":300,"height":300}}}', problem: 'is not a valid rendition set: name: expected 1-32 characters' },
    { value: '{"name":"shop",', problem: '"{\\"name\\":\\"shop\\"," is not valid JSON' },
  ])('refuses imgpipe:renditionSet $value, naming the key, the value and the problem', ({ value, problem }) => {
    expect(() => readInfraConfig(testApp({ 'imgpipe:renditionSet': value }).node)).toThrow(`imgpipe:renditionSet: `);
    expect(() => readInfraConfig(testApp({ 'imgpipe:renditionSet': value }).node)).toThrow(problem);
  });

  it('accepts every preset and an inline set image-ops accepts, passed on unchanged', () => {
    const inline = '{"name":"shop","renditions":{"tile":{"width":300,"height":300,"fit":"cover","format":"webp"},"zoom":{"width":2000,"height":2000}}}';
    for (const value of ['gallery', 'default', 'marketplace', inline]) {
      expect(readInfraConfig(testApp({ 'imgpipe:renditionSet': value }).node).renditions).toEqual({ renditionSet: value });
    }
  });

  it.each(['#fff', 'white', '#ffffff80', 'ffffff'])('refuses imgpipe:thumbnailBackground %s (the functions take #rrggbb only)', (value) => {
    expect(() => readInfraConfig(testApp({ 'imgpipe:thumbnailBackground': value }).node)).toThrow(
      `imgpipe:thumbnailBackground: ${JSON.stringify(value)} is not a #rrggbb colour`,
    );
  });

  it('accepts a #rrggbb background in either case', () => {
    for (const value of ['#102030', '#A0b0C0']) {
      expect(readInfraConfig(testApp({ 'imgpipe:thumbnailBackground': value }).node).renditions).toEqual({ background: value });
    }
  });

  // infra-shared's package.json drops the Nx edge to image-ops (an image-ops change must not
  // redeploy every stack): safe only while the rendition check is infra's one use of it.
  it('imports image-ops in one file of infra, its sharp-free checks, for the synth-time check', () => {
    const importsOfImageOps = /(?:from\s*|import\(\s*|require\(\s*)['"]@imgpipe\/image-ops([^'"]*)['"]/g;
    const found: string[] = [];
    for (const file of sourceFiles(join(REPO_ROOT, 'infra'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(importsOfImageOps)) {
        found.push(`${relative(REPO_ROOT, file)} ${match[1] ?? ''}`);
      }
    }
    expect(found).toEqual(['infra/shared/src/config.ts /checks']);
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
