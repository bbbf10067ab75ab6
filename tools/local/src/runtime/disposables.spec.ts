import { Disposables } from './disposables';

describe('Disposables', () => {
  it('undoes the last thing registered first, each after the previous settled', async () => {
    const order: string[] = [];
    const disposables = new Disposables();
    disposables.add('peers', () => order.push('peers'));
    disposables.add('bus', async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('bus');
    });
    disposables.add('http', () => order.push('http'));
    await disposables.disposeAll();
    expect(order).toEqual(['http', 'bus', 'peers']);
  });

  it('runs every step even when one throws, then throws the first failure, naming its step', async () => {
    const order: string[] = [];
    const disposables = new Disposables();
    disposables.add('peers', () => order.push('peers'));
    disposables.add('bus', () => {
      throw new Error('boom');
    });
    await expect(disposables.disposeAll()).rejects.toThrow('stopping bus failed');
    expect(order).toEqual(['peers']);
  });

  it('undoes each step once', async () => {
    let stops = 0;
    const disposables = new Disposables();
    disposables.add('peers', () => stops++);
    await disposables.disposeAll();
    await disposables.disposeAll();
    expect(stops).toBe(1);
  });
});
