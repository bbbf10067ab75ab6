import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { testImage } from '@imgpipe/image-ops/testing';
import { startLocalRuntime, type LocalRuntime } from '@imgpipe/local';
import { axeViolations } from './axe';
import { launchBrowser } from './browser';

/**
 * Delete is undoable, in a real browser against the whole local pipeline, with the keyboard:
 * delete an image, Undo from the notice the gallery shows (the next Tab stop after the
 * heading), see it processed again; delete it again, restore it from "Recently deleted"
 * (which names the date its original will be erased); a second user's "Recently deleted"
 * shows none of it. The UI runs under the runtime's strict Content-Security-Policy: any
 * violation the browser reports fails the test.
 */
describe('undo and recently deleted in the web UI', () => {
  let runtime: LocalRuntime;
  let browser: Browser;
  let dataDir: string;
  let file: string;
  const problems: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-undo-'));
    file = join(dataDir, 'harbour.jpg');
    await writeFile(file, await testImage('jpeg', { width: 900, height: 600 }));
    runtime = await startLocalRuntime({ dataDir: join(dataDir, 'state'), port: 0, concurrency: 2 });
    await runtime.recovered;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function signedIn(url: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message: ConsoleMessage) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) problems.push(message.text());
    });
    await page.goto(url);
    await page.getByText('Signed in as').waitFor();
    return page;
  }

  const card = (page: Page, name: string) => page.locator('li.card', { hasText: name });

  async function deleteFromImagePage(page: Page, name: string): Promise<void> {
    await card(page, name).locator('a.card-link').click();
    await page.getByRole('button', { name: 'Delete image…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText(`${name} was deleted.`).waitFor();
  }

  it('undoes a delete from the notice, with the keyboard, and the image is processed again', async () => {
    const page = await signedIn(runtime.signInUrl);
    await page.locator('#file-input').setInputFiles([file]);
    await card(page, 'harbour.jpg').locator('.badge-processed').waitFor({ timeout: 120_000 });

    await deleteFromImagePage(page, 'harbour.jpg');
    // The gallery drops the card once its list is reloaded after the delete.
    await card(page, 'harbour.jpg').waitFor({ state: 'detached', timeout: 15_000 });
    expect(await axeViolations(page)).toEqual([]);
    // The heading has the focus after the navigation; the next Tab stop is Undo.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').innerText()).toBe('Undo');
    await page.keyboard.press('Enter');

    await page.getByText('harbour.jpg was restored and is being processed again.').waitFor();
    await card(page, 'harbour.jpg').locator('.badge-processed').waitFor({ timeout: 120_000 });
    await page.waitForFunction(
      (img) => {
        const image = img as unknown as { complete: boolean; naturalWidth: number } | null;
        return image !== null && image.complete && image.naturalWidth > 0;
      },
      await card(page, 'harbour.jpg').locator('img').elementHandle(),
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists the deleted image under Recently deleted with its erase date, and restores it from there', async () => {
    const page = await signedIn(runtime.signInUrl);
    await card(page, 'harbour.jpg').locator('.badge-processed').waitFor({ timeout: 120_000 });
    await deleteFromImagePage(page, 'harbour.jpg');

    await page.getByRole('link', { name: 'Recently deleted' }).first().click();
    const item = page.locator('li.deleted-item', { hasText: 'harbour.jpg' });
    await item.waitFor();
    const eraseDate = await item.locator('.erase-date time').getAttribute('datetime');
    expect(Date.parse(eraseDate ?? '')).toBeGreaterThan(Date.now());
    expect(await item.innerText()).toMatch(/Deleted .+\. Erased after .+\./);
    expect(await axeViolations(page)).toEqual([]);

    const restore = item.getByRole('button', { name: 'Restore harbour.jpg' });
    await restore.focus();
    await page.keyboard.press('Enter');
    await page.getByText('harbour.jpg was restored and is being processed again.').waitFor();
    expect(await page.locator('li.deleted-item').count()).toBe(0);
    expect(await page.getByText('Nothing to restore').isVisible()).toBe(true);

    await page.getByRole('link', { name: 'Upload & gallery' }).click();
    await card(page, 'harbour.jpg').locator('.badge-processed').waitFor({ timeout: 120_000 });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows another user none of them', async () => {
    const first = await signedIn(runtime.signInUrl);
    await card(first, 'harbour.jpg').locator('.badge-processed').waitFor({ timeout: 120_000 });
    await deleteFromImagePage(first, 'harbour.jpg');
    await first.close();

    const page = await signedIn(`${runtime.url}/#token=${await runtime.issueToken('someone-else')}`);
    await page.getByRole('link', { name: 'Recently deleted' }).click();
    await page.getByText('Nothing to restore').waitFor();
    expect(await page.getByText('harbour.jpg').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
