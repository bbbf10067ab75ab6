import { Disposables } from './disposables';
import { bindHttp } from './http';

describe('bindHttp', () => {
  it('binds port 0 to a real port at once, answers 503 until it serves, then the listener answers', async () => {
    const disposables = new Disposables();
    try {
      const bound = await bindHttp('127.0.0.1', 0, disposables);
      expect(bound.port).toBeGreaterThan(0);

      const early = await fetch(`http://127.0.0.1:${bound.port}/api/images`);
      expect(early.status).toBe(503);
      expect(early.headers.get('retry-after')).toBe('1');
      expect(await early.json()).toMatchObject({ code: 'STARTING' });

      bound.serve((_request, response) => response.end('ready'));
      expect(await (await fetch(`http://127.0.0.1:${bound.port}/`)).text()).toBe('ready');
    } finally {
      await disposables.disposeAll();
    }
  });

  it('closes the port when the start is undone before it serves', async () => {
    const disposables = new Disposables();
    const bound = await bindHttp('127.0.0.1', 0, disposables);
    await disposables.disposeAll();
    expect(bound.server.listening).toBe(false);
    await expect(fetch(`http://127.0.0.1:${bound.port}/`)).rejects.toThrow();
  });

  it('fails on a port in use, leaving nothing to undo but a no-op', async () => {
    const disposables = new Disposables();
    const first = await bindHttp('127.0.0.1', 0, disposables);
    const other = new Disposables();
    await expect(bindHttp('127.0.0.1', first.port, other)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await other.disposeAll();
    await disposables.disposeAll();
  });
});
