import { main } from './main';
import { formatProgress, hostWarning, toRuntimeOptions } from './serve-main';

describe('npm start options', () => {
  it('take flags first, then their IMGPIPE_* variables, then the defaults', () => {
    const env = { IMGPIPE_PORT: '4000', IMGPIPE_HOST: '0.0.0.0', IMGPIPE_DATA_DIR: '/data', IMGPIPE_CONCURRENCY: '3', IMGPIPE_DEV_USER: 'eve' };

    expect(toRuntimeOptions({}, {})).toEqual({ logs: 'file' });
    expect(toRuntimeOptions({}, env)).toEqual({ port: 4000, host: '0.0.0.0', dataDir: '/data', concurrency: 3, devUser: 'eve', logs: 'file' });
    expect(toRuntimeOptions({ port: '0', concurrency: '1', 'no-ui': true, 'log-to-terminal': true }, env)).toMatchObject({
      port: 0,
      concurrency: 1,
      web: false,
      logs: 'inherit',
    });
  });

  it('maps --undo-window to the undo window (UNDO_WINDOW_SECONDS of the services), in whole seconds of at least 1', () => {
    expect(toRuntimeOptions({ 'undo-window': '5' }, {})).toEqual({ undoWindowSeconds: 5, logs: 'file' });
    expect(() => toRuntimeOptions({ 'undo-window': '0' }, {})).toThrow(/--undo-window/);
    expect(() => toRuntimeOptions({ 'undo-window': '1.5' }, {})).toThrow(/--undo-window/);
  });

  it('refuses numbers that are not', () => {
    expect(() => toRuntimeOptions({ port: 'http' }, {})).toThrow(/--port/);
    expect(() => toRuntimeOptions({ port: '70000' }, {})).toThrow(/65535/);
    expect(() => toRuntimeOptions({ concurrency: '0' }, {})).toThrow(/--concurrency/);
  });

  it('refuse batch options without files, rather than ignore them', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(main(['--out', 'somewhere'])).resolves.toBe(2);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/--out need files or folders/);
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('the progress line', () => {
  it('says what is queued, running, processed and failed, and dead letters when there are some', () => {
    const progress = { queued: 3, running: 2, succeeded: 9, failed: 1, processed: 15, failedImages: 2, processing: 5, dlqDepth: 0 };
    expect(formatProgress(progress)).toBe('imgpipe  queued 3 · running 2 · processed 15 · failed 2');
    expect(formatProgress({ ...progress, dlqDepth: 4 })).toMatch(/dead letters 4$/);
  });
});

describe('the host warning', () => {
  it('is printed when the server listens beyond loopback, and says sign-in stays loopback-only', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      expect(hostWarning(host)).toMatch(/^Warning: listening on .+ sign-in .+ stay loopback-only/);
    }
    for (const host of [undefined, '127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) expect(hostWarning(host)).toBeUndefined();
  });
});
