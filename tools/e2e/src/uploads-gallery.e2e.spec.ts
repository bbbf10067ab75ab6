import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, ConsoleMessage, Page, Route } from 'playwright-core';
import { testImage } from '@imgpipe/image-ops/testing';
import { startLocalRuntime, type LocalRuntime } from '@imgpipe/local';
import { axeViolations } from './axe';
import { launchBrowser } from './browser';

/**
 * Issue 11's uploads and gallery, in Chromium against the whole local pipeline, under the
 * UI's strict CSP, with axe-core run on every page and state visited:
 * - a sign-in link pasted into a tab already on the sign-in page signs in, without a reload;
 * - an empty file and an SVG are refused before any grant is asked for, in the pipeline's
 *   words; a failed upload is retried; an upload in flight is cancelled, then retried;
 *   processed rows fold into the summary and come back with "Show N done"; Remove drops a row;
 * - the gallery's count, status and format filters, name search, asked of the server (one
 *   filtered page, the server's total) and kept in the URL across a reload; bulk select by
 *   keyboard, one delete, one Undo that restores both;
 * - after a server restart the gallery that could not be loaded reloads by itself.
 */
describe('uploads and gallery in the web UI', () => {
  let runtime: LocalRuntime;
  let browser: Browser;
  let dataDir: string;
  const inputs: Record<string, string> = {};
  const problems: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-uploads-'));
    const folder = join(dataDir, 'inputs');
    await mkdir(folder);
    const files: Record<string, Buffer> = {
      'harbour.jpg': await testImage('jpeg', { width: 900, height: 600 }),
      'logo.png': await testImage('png-alpha', { width: 400, height: 300 }),
      'broken.jpg': await testImage('random'),
      'empty.jpg': Buffer.alloc(0),
      'vector.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
    };
    for (const [name, bytes] of Object.entries(files)) {
      inputs[name] = join(folder, name);
      await writeFile(inputs[name] as string, bytes);
    }
    runtime = await startLocalRuntime({ dataDir: join(dataDir, 'state'), port: 0, concurrency: 2 });
    await runtime.recovered;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function open(url: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message: ConsoleMessage) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) problems.push(message.text());
    });
    await page.goto(url);
    return page;
  }

  async function expectAccessible(page: Page): Promise<void> {
    expect(await axeViolations(page)).toEqual([]);
  }

  const row = (page: Page, name: string) => page.locator('li.upload', { hasText: name });
  const card = (page: Page, name: string) => page.locator('li.card', { hasText: name });

  it('takes a sign-in link pasted into a tab already on the sign-in page, without a reload', async () => {
    const page = await open(runtime.url);
    await page.getByRole('heading', { name: 'Sign in to imgpipe' }).waitFor();
    // The checker finds what it should: an image without a text alternative is a violation.
    await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { createElement(tag: string): { id: string; src: string }; body: { append(node: unknown): void } } }).document;
      const img = doc.createElement('img');
      img.id = 'axe-probe';
      img.src = 'data:,';
      doc.body.append(img);
    });
    expect((await axeViolations(page)).map((finding) => finding.id)).toContain('image-alt');
    await page.evaluate(() => (globalThis as unknown as { document: { getElementById(id: string): { remove(): void } | null } }).document.getElementById('axe-probe')?.remove());
    await expectAccessible(page);
    await page.evaluate(() => ((globalThis as unknown as Record<string, unknown>)['beforePaste'] = true));

    // The address bar's link differs only in its fragment: a same-document navigation.
    await page.goto(`${runtime.url}/#token=${await runtime.issueToken('paster')}`);
    await page.getByText('Signed in as').waitFor();
    expect(await page.locator('.account .user').innerText()).toBe('Signed in as paster');
    expect(await page.evaluate(() => (globalThis as unknown as Record<string, unknown>)['beforePaste'])).toBe(true);
    expect(new URL(page.url()).hash).toBe('#/');
    await page.locator('.empty').first().waitFor();
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses what the pipeline would refuse before asking, retries a failed upload, cancels one in flight, folds finished rows', async () => {
    const page = await open(runtime.signInUrl);
    await page.getByText('Signed in as').waitFor();

    const grantsAskedFor: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/uploads') {
        grantsAskedFor.push((JSON.parse(request.postData() ?? '{}') as { filename?: string }).filename ?? '?');
      }
    });
    // Storage: harbour.jpg's first transfer fails on the network; logo.png's first is held until cancelled.
    let harbourAttempts = 0;
    let logoAttempts = 0;
    let releaseHeld: (() => void) | undefined;
    const isStorage = (url: URL) => url.origin !== new URL(runtime.url).origin;
    await page.route(isStorage, async (route: Route) => {
      const request = route.request();
      const body = request.postDataBuffer()?.toString('latin1') ?? '';
      if (request.method() === 'POST' && body.includes('filename="harbour.jpg"') && (harbourAttempts += 1) === 1) {
        await route.abort('connectionreset');
        return;
      }
      if (request.method() === 'POST' && body.includes('filename="logo.png"') && (logoAttempts += 1) === 1) {
        await new Promise<void>((resolve) => (releaseHeld = resolve));
        await route.abort('aborted').catch(() => undefined); // the page has given up on it already
        return;
      }
      await route.continue();
    });

    await page.locator('#file-input').setInputFiles(['harbour.jpg', 'logo.png', 'broken.jpg', 'empty.jpg', 'vector.svg'].map((name) => inputs[name] as string));

    // Refused at once, in the pipeline's words, with no validation text.
    await row(page, 'empty.jpg').getByText('Not uploaded: The file is empty. (EMPTY)').waitFor();
    const svgText = await row(page, 'vector.svg').locator('.upload-status').innerText();
    expect(svgText).toMatch(/^Not uploaded: SVG images are not accepted; accepted formats: JPEG, PNG, WebP, GIF, AVIF, TIFF, HEIC\/HEIF\. \(UNSUPPORTED_FORMAT\)$/);
    expect(await row(page, 'empty.jpg').getByRole('button', { name: /Retry/ }).count()).toBe(0);

    // The failed transfer: Retry, by keyboard.
    await row(page, 'harbour.jpg').getByText('Failed: The storage service could not be reached.').waitFor();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Retry harbour.jpg' }).focus();
    await page.keyboard.press('Enter');

    // The held transfer: Cancel, then Retry.
    await page.locator('li.upload[data-phase="uploading"]', { hasText: 'logo.png' }).waitFor();
    await page.getByRole('button', { name: 'Cancel logo.png' }).click();
    await row(page, 'logo.png').getByText('Cancelled').waitFor();
    releaseHeld?.();
    // Focus stayed in the row: on its Retry.
    expect(await page.locator(':focus').textContent()).toBe('Retry logo.png');
    await page.keyboard.press('Enter');

    await card(page, 'harbour.jpg').locator('.badge-processed').waitFor({ timeout: 120_000 });
    await card(page, 'logo.png').locator('.badge-processed').waitFor({ timeout: 120_000 });
    await card(page, 'broken.jpg').locator('.badge-failed').waitFor({ timeout: 120_000 });
    await row(page, 'broken.jpg').getByText(/^Failed: .*\(UNSUPPORTED_FORMAT\)$/).waitFor();
    expect(grantsAskedFor.sort()).toEqual(['broken.jpg', 'harbour.jpg', 'harbour.jpg', 'logo.png', 'logo.png']);

    // Processed rows fold into the summary; the toggle brings them back.
    const summary = page.locator('.upload-summary');
    await page.getByText('2 of 5 processed, 3 failed', { exact: true }).waitFor();
    expect(await row(page, 'harbour.jpg').isVisible()).toBe(false);
    expect(await row(page, 'broken.jpg').isVisible()).toBe(true);
    const toggle = page.getByRole('button', { name: 'Show 2 done' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await row(page, 'harbour.jpg').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Hide 2 done' }).getAttribute('aria-expanded')).toBe('true');

    // Remove drops a row (not the image).
    await page.getByRole('button', { name: 'Remove empty.jpg' }).click();
    expect(await row(page, 'empty.jpg').count()).toBe(0);
    expect(await summary.innerText()).toBe('2 of 4 processed, 2 failed');
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('counts, filters and searches the gallery on the server, keeps the filters in the URL, and deletes two by keyboard with one Undo for both', async () => {
    const page = await open(runtime.signInUrl);
    const listed: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/images') listed.push(url);
    });
    const count = page.locator('.gallery-count');
    // The grid is busy from the first keystroke or choice until the server's answer is shown.
    const settled = () => page.locator('ul.gallery[aria-busy="false"]').waitFor();
    await page.getByText('3 images', { exact: true }).waitFor();
    await settled();
    const names = async () => (await page.locator('li.card .card-title').allInnerTexts()).sort();
    expect(await names()).toEqual(['broken.jpg', 'harbour.jpg', 'logo.png']);

    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Failed' });
    await settled();
    expect(await names()).toEqual(['broken.jpg']);
    expect(await count.innerText()).toBe('1 image matches');
    // Filtered by the server, one page, never every page read and filtered here.
    expect(listed.at(-1)?.searchParams.get('status')).toBe('failed');
    expect(new URL(page.url()).hash).toBe('#/?status=failed');
    // The filter survives a reload: it is in the URL.
    listed.length = 0;
    await page.reload();
    await page.getByText('1 image matches', { exact: true }).waitFor();
    await settled();
    expect(await names()).toEqual(['broken.jpg']);
    expect(await page.getByLabel('Status', { exact: true }).inputValue()).toBe('failed');
    expect(listed.map((url) => url.searchParams.get('status'))).toEqual(['failed']);
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Any status' });
    await settled();
    expect(new URL(page.url()).hash).toBe('#/');

    await page.getByLabel('Original format', { exact: true }).selectOption({ label: 'PNG' });
    await settled();
    expect(await names()).toEqual(['logo.png']);
    expect(listed.at(-1)?.searchParams.get('format')).toBe('png');
    await page.getByLabel('Original format', { exact: true }).selectOption({ label: 'Any format' });
    await settled();

    await page.getByLabel('Search by name', { exact: true }).fill('HARB');
    await settled();
    expect(await names()).toEqual(['harbour.jpg']);
    expect(listed.at(-1)?.searchParams.get('q')).toBe('HARB');
    await page.getByLabel('Search by name', { exact: true }).fill('nothing like it');
    await page.getByText('No image matches the search and filters.').waitFor();
    expect(await count.innerText()).toBe('0 images match');
    await expectAccessible(page);
    await page.getByLabel('Search by name', { exact: true }).fill('');
    await settled();
    expect(await count.innerText()).toBe('3 images');

    // Select two by keyboard (Space on each checkbox), then delete them as one.
    for (const name of ['harbour.jpg', 'logo.png']) {
      await page.getByRole('checkbox', { name: `Select ${name}` }).focus();
      await page.keyboard.press('Space');
    }
    const deleteButton = page.getByRole('button', { name: 'Delete 2 selected…' });
    await deleteButton.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete 2 images?' });
    await dialog.waitFor();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();

    await page.getByText('2 images were deleted.').waitFor();
    expect(await names()).toEqual(['broken.jpg']);
    expect(await count.innerText()).toBe('1 image');
    await expectAccessible(page);
    // The notice has the focus; the next Tab stop is its one Undo.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').innerText()).toBe('Undo');
    await page.keyboard.press('Enter');
    await page.getByText('2 images were restored and are being processed again.').waitFor();
    await card(page, 'harbour.jpg').locator('.badge-processed').waitFor({ timeout: 120_000 });
    await card(page, 'logo.png').locator('.badge-processed').waitFor({ timeout: 120_000 });
    expect(await count.innerText()).toBe('3 images');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('reloads the gallery by itself after a server restart', async () => {
    const page = await open(runtime.signInUrl);
    await card(page, 'harbour.jpg').waitFor();
    await expectAccessible(page);
    const { port, dataDir: state } = runtime;

    await runtime.stop();
    // Shown while the server is away: the gallery cannot be loaded.
    await page.getByRole('link', { name: 'Recently deleted' }).click();
    await page.getByRole('link', { name: 'Upload & gallery' }).click();
    await page.getByText(/Your images could not be loaded/).waitFor({ timeout: 30_000 });

    runtime = await startLocalRuntime({ dataDir: state, port, concurrency: 2 });
    await runtime.recovered;
    // No click on "Try again": the reconnected live stream reloads it.
    await card(page, 'harbour.jpg').waitFor({ timeout: 60_000 });
    expect(await page.getByText(/Your images could not be loaded/).isVisible()).toBe(false);
    await page.getByText('3 images', { exact: true }).waitFor();
    // The other pages, for axe: recently deleted and the dashboard.
    await page.getByRole('link', { name: 'Recently deleted' }).click();
    await page.getByText('Nothing to restore').waitFor();
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Pipeline dashboard' }).waitFor();
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Upload & gallery' }).click();
    await card(page, 'harbour.jpg').locator('a.card-link').click();
    await page.getByRole('button', { name: 'Delete image…' }).waitFor();
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await page.close();
  });
});
