import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('@imgpipe/image-ops/checks', () => {
  it('never loads sharp, so upload checks stay cheap to cold-start', () => {
    const script = `
      require(${JSON.stringify(join(__dirname, 'checks.ts'))});
      const loaded = Object.keys(require.cache).filter((k) => /[\\\\/]node_modules[\\\\/](sharp|@img)[\\\\/]/.test(k));
      process.stdout.write(JSON.stringify(loaded));
    `;
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8' });

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  it('and the main entry does load it (the check above can fail)', () => {
    const script = `
      require(${JSON.stringify(join(__dirname, 'index.ts'))});
      process.stdout.write(String(Object.keys(require.cache).some((k) => /[\\\\/]node_modules[\\\\/]sharp[\\\\/]/.test(k))));
    `;
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8' });

    expect(run.stdout).toBe('true');
  });
});
