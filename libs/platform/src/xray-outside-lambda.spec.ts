import async_hooks from 'node:async_hooks';

/**
 * The X-Ray SDK (loaded by Powertools' tracer) enables a process-wide async hook with a
 * `destroy` callback as it loads, unless it is in manual mode. Outside Lambda, where the
 * tracer is off, importing the platform must not enable it (issue 13: it taxed every promise
 * of the local runtime's one event loop); in Lambda the SDK keeps its automatic mode.
 */
describe('the X-Ray SDK outside Lambda', () => {
  const saved = { manual: process.env['AWS_XRAY_MANUAL_MODE'], execution: process.env['AWS_EXECUTION_ENV'] };

  afterEach(() => {
    jest.restoreAllMocks();
    for (const [name, value] of [
      ['AWS_XRAY_MANUAL_MODE', saved.manual],
      ['AWS_EXECUTION_ENV', saved.execution],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  /** Loads the platform's Powertools set-up in a fresh module registry; the hooks the load created. */
  function loadPowertools(): Array<Parameters<typeof async_hooks.createHook>[0]> {
    const createHook = jest.spyOn(async_hooks, 'createHook');
    jest.isolateModules(() => {
      require('./powertools');
    });
    return createHook.mock.calls.map(([callbacks]) => callbacks);
  }

  it('creates no async hook with a destroy callback when the platform loads outside Lambda', () => {
    delete process.env['AWS_XRAY_MANUAL_MODE'];
    delete process.env['AWS_EXECUTION_ENV'];

    const hooks = loadPowertools();

    expect(hooks.filter((callbacks) => typeof callbacks.destroy === 'function')).toEqual([]);
    expect(process.env['AWS_XRAY_MANUAL_MODE']).toBe('true');
  });

  it('leaves the SDK in its automatic mode in Lambda', () => {
    delete process.env['AWS_XRAY_MANUAL_MODE'];
    process.env['AWS_EXECUTION_ENV'] = 'AWS_Lambda_nodejs20.x';

    const hooks = loadPowertools();

    expect(process.env['AWS_XRAY_MANUAL_MODE']).toBeUndefined();
    expect(hooks.filter((callbacks) => typeof callbacks.destroy === 'function')).toHaveLength(1);
  });
});
