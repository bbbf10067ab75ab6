import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { STACK_NAMES } from './app';
import { verifyCloudAssembly } from './synth-all';

const SHARP = '0.35.5';

/** A cloud assembly on disk: every stack, one function in ImgpipeCompress whose asset is `files`. */
function assembly(files: Readonly<Record<string, string>>, options: { withoutStack?: string; assetPath?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'imgpipe-assembly-test-'));
  const write = (file: string, content: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  };
  const stacks = Object.values(STACK_NAMES).filter((name) => name !== options.withoutStack);
  write(
    'manifest.json',
    JSON.stringify({
      artifacts: Object.fromEntries([
        ['Tree', { type: 'cdk:tree' }],
        ...stacks.map((name) => [name, { type: 'aws:cloudformation:stack', properties: { templateFile: `${name}.template.json` } }]),
      ]),
    }),
  );
  for (const name of stacks) {
    const resources =
      name === STACK_NAMES.compress
        ? {
            CompressImage: {
              Type: 'AWS::Lambda::Function',
              Metadata: { 'aws:asset:path': options.assetPath ?? 'asset.abc', 'aws:asset:property': 'Code' },
            },
          }
        : {};
    write(`${name}.template.json`, JSON.stringify({ Resources: resources }));
  }
  for (const [file, content] of Object.entries(files)) write(join('asset.abc', file), content);
  return dir;
}

const pkg = (version = SHARP) => JSON.stringify({ version });
const SHARP_BUNDLE = {
  'index.js': 'var s=require("sharp");exports.handler=()=>s;',
  'node_modules/sharp/package.json': pkg(),
  'node_modules/@img/sharp-linux-arm64/package.json': pkg(),
  'node_modules/@img/sharp-libvips-linux-arm64/package.json': pkg('1.3.0'),
};

describe('verifyCloudAssembly', () => {
  const dirs: string[] = [];
  const check = (files: Record<string, string>, options?: Parameters<typeof assembly>[1]) => {
    const dir = assembly(files, options);
    dirs.push(dir);
    return verifyCloudAssembly(dir, SHARP);
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('refuses a bundle that ships a source map', () => {
    expect(check({ ...SHARP_BUNDLE, 'index.js.map': '{"version":3}' }).problems).toEqual([
      'ImgpipeCompress/CompressImage (asset.abc): ships source maps (index.js.map); production bundles carry none',
    ]);
  });

  it('accepts a bundle that loads sharp and ships it for linux-arm64 at the pinned version', () => {
    const report = check(SHARP_BUNDLE);
    expect(report).toMatchObject({ functionAssets: 1, sharpBundles: 1, problems: [], unusedSharp: [] });
    expect(report.stacks).toEqual(Object.values(STACK_NAMES).sort());
  });

  it('fails a bundle that loads sharp without shipping it', () => {
    expect(check({ 'index.js': 'require("sharp")' }).problems).toEqual([
      'ImgpipeCompress/CompressImage (asset.abc): loads sharp but has no node_modules/sharp',
    ]);
  });

  it('fails a bundle with sharp at another version, for another platform, or without the arm64 binaries', () => {
    const { problems } = check({
      ...SHARP_BUNDLE,
      'node_modules/sharp/package.json': pkg('0.34.0'),
      'node_modules/@img/sharp-linux-x64/package.json': pkg(),
    });
    expect(problems).toEqual([
      'ImgpipeCompress/CompressImage (asset.abc): ships sharp 0.34.0, the workspace pins 0.35.5',
      expect.stringContaining('ships binaries for another platform: @img/sharp-linux-x64'),
    ]);
    const arm64Missing = check({ 'index.js': 'require("sharp")', 'node_modules/sharp/package.json': pkg() });
    expect(arm64Missing.problems).toEqual([
      expect.stringContaining('has no @img/sharp-linux-arm64'),
      expect.stringContaining('has no @img/sharp-libvips-linux-arm64'),
    ]);
  });

  it('fails a missing function asset and a missing stack', () => {
    expect(check({}, { assetPath: 'asset.gone' }).problems).toEqual(['ImgpipeCompress/CompressImage: asset asset.gone is missing']);
    expect(check(SHARP_BUNDLE, { withoutStack: STACK_NAMES.pipeline }).problems).toEqual(['ImgpipePipeline: not in the cloud assembly']);
  });

  it('names bundles that carry sharp without loading it', () => {
    const report = check({ ...SHARP_BUNDLE, 'index.js': 'exports.handler=()=>1;' });
    expect(report).toMatchObject({ sharpBundles: 0, problems: [], unusedSharp: ['ImgpipeCompress/CompressImage'] });
  });
});
