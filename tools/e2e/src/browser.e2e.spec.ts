import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { testImage } from '@imgpipe/image-ops/testing';
import { startLocalRuntime, type LocalRuntime } from '@imgpipe/local';
import { axeViolations } from './axe';
import { launchBrowser } from './browser';

/**
 * The issue's browser journey: sign in with the URL `npm start` prints, upload a real JPEG,
 * a PNG with alpha and a corrupt file through the page, see the two thumbnails appear and
 * the corrupt one marked failed with its reason; a second user sees none of it.
 */
describe('the web UI in a real browser, against the whole local pipeline', () => {
  let runtime: LocalRuntime;
  let browser: Browser;
  let dataDir: string;
  let files: string[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-e2e-'));
    const inputs = join(dataDir, 'inputs');
    await import('node:fs/promises').then((fs) => fs.mkdir(inputs));
    files = [join(inputs, 'harbour.jpg'), join(inputs, 'logo.png'), join(inputs, 'broken.jpg')];
    await writeFile(files[0] as string, await testImage('jpeg', { width: 1200, height: 800 }));
    await writeFile(files[1] as string, await testImage('png-alpha', { width: 400, height: 300 }));
    await writeFile(files[2] as string, await testImage('random'));
    runtime = await startLocalRuntime({ dataDir: join(dataDir, 'state'), port: 0, concurrency: 2 });
    await runtime.recovered;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const pageErrors: string[] = [];

  async function signedIn(url: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    await page.getByText('Signed in as').waitFor();
    return page;
  }

  it('uploads, shows thumbnails for the good images and the reason for the corrupt one', async () => {
    const page = await signedIn(runtime.signInUrl);

    await page.locator('#file-input').setInputFiles(files);

    const card = (name: string) => page.locator('li.card', { hasText: name });
    await card('harbour.jpg').locator('.badge-processed').waitFor({ timeout: 120_000 });
    await card('logo.png').locator('.badge-processed').waitFor({ timeout: 120_000 });
    await card('broken.jpg').locator('.badge-failed').waitFor({ timeout: 120_000 });

    for (const name of ['harbour.jpg', 'logo.png']) {
      const thumbnail = card(name).locator('img');
      await thumbnail.waitFor();
      // The thumbnail really loaded from /cdn: the browser decoded it to a non-zero size.
      await page.waitForFunction(
        (img) => {
          const image = img as unknown as { complete: boolean; naturalWidth: number } | null;
          return image !== null && image.complete && image.naturalWidth > 0;
        },
        await thumbnail.elementHandle(),
      );
      // The record's absolute URL on the runtime's own /cdn.
      expect(new URL((await thumbnail.getAttribute('src')) ?? '', runtime.url).pathname).toMatch(/^\/cdn\/thumbnails\//);
    }
    const reason = await card('broken.jpg').locator('.failure-reason').innerText();
    expect(reason).toMatch(/UNSUPPORTED_FORMAT/);
    expect(await axeViolations(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('a second user sees none of the first user’s images', async () => {
    const token = await runtime.issueToken('someone-else');
    const page = await signedIn(`${runtime.url}/#token=${token}`);

    await page.getByText('Signed in as').waitFor();
    await page.locator('.gallery, .empty').first().waitFor();
    expect(await page.locator('li.card').count()).toBe(0);
    expect(await page.getByText('harbour.jpg').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
