import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { configureImageRuntime } from './runtime';

describe('configureImageRuntime', () => {
  afterAll(() => configureImageRuntime());

  it('sizes libvips threads to the machine and turns the cache off', () => {
    const settings = configureImageRuntime();

    expect(settings).toEqual({ concurrency: availableParallelism(), cacheMemoryMb: 0 });
    expect(sharp.concurrency()).toBe(availableParallelism());
    expect(sharp.cache().memory.max).toBe(0);
  });

  it('takes explicit values', () => {
    configureImageRuntime({ concurrency: 1, cacheMemoryMb: 16 });

    expect(sharp.concurrency()).toBe(1);
    expect(sharp.cache().memory.max).toBe(16);
  });
});
