import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { configureImageRuntime } from './runtime';

/** `configureImageRuntime()`'s defaults in a fresh Node process started with `env`. */
function defaultsInProcessWith(env: Record<string, string>): { concurrency: number; cacheMemoryMb: number } {
  const script = `const { configureImageRuntime } = require(${JSON.stringify(join(__dirname, 'runtime.ts'))});
process.stdout.write(JSON.stringify(configureImageRuntime()));`;
  const { MALLOC_ARENA_MAX: _inherited, ...parentEnv } = process.env;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    env: { ...parentEnv, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { concurrency: number; cacheMemoryMb: number };
}

describe('configureImageRuntime', () => {
  afterAll(() => configureImageRuntime());

  it('turns the cache off and applies its thread count to libvips', () => {
    const settings = configureImageRuntime();

    expect(settings.cacheMemoryMb).toBe(0);
    expect(sharp.concurrency()).toBe(settings.concurrency);
    expect(sharp.cache().memory.max).toBe(0);
  });

  it('takes explicit values', () => {
    configureImageRuntime({ concurrency: 1, cacheMemoryMb: 16 });

    expect(sharp.concurrency()).toBe(1);
    expect(sharp.cache().memory.max).toBe(16);
  });

  // Two child processes: glibc and sharp read the allocator's environment at start only.
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  const glibcLinux = process.platform === 'linux' && report.header?.glibcVersionRuntime !== undefined;
  (glibcLinux ? it : it.skip)('uses every core when started with MALLOC_ARENA_MAX, one thread when not (glibc)', () => {
    expect(defaultsInProcessWith({ MALLOC_ARENA_MAX: '2' })).toEqual({ concurrency: availableParallelism(), cacheMemoryMb: 0 });
    expect(defaultsInProcessWith({})).toEqual({ concurrency: 1, cacheMemoryMb: 0 });
  });
});
