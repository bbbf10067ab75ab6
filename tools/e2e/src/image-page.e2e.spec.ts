import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, ConsoleMessage, Page, Route } from 'playwright-core';
import { testImage } from '@imgpipe/image-ops/testing';
import { startLocalRuntime, type LocalRuntime } from '@imgpipe/local';
import { axeViolations } from './axe';
import { launchBrowser } from './browser';

/**
 * Issue 11's image page, in Chromium against the whole local pipeline, under the UI's strict
 * CSP, axe-core run on every state: the display image comes from the delivery record's srcset
 * (never the full-size file) over its ThumbHash placeholder, shown while the image is held; the
 * "Use this image" panel copies (read back from the real clipboard, which Chromium grants a
 * context: no test hook) and downloads (Playwright's download event) each file and snippet and
 * the original; the before/after slider moves by keyboard; the gallery card is the `card`
 * rendition.
 */
// The browser-side globals the page functions below use: this project compiles without the DOM lib.
interface BrowserElement {
  readonly tagName: string;
  readonly textContent: string | null;
  readonly style: { readonly clipPath: string };
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { readonly height: number };
  querySelector(selector: string): BrowserImage | null;
}
interface BrowserImage extends BrowserElement {
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly currentSrc: string;
}
interface BrowserWindow {
  readonly document: { readonly activeElement: BrowserElement | null; querySelectorAll(selector: string): Iterable<BrowserImage> };
  readonly navigator: { readonly clipboard: { readText(): Promise<string> } };
  getComputedStyle(element: BrowserElement): { readonly backgroundImage: string; readonly aspectRatio: string };
}

describe('the image page in the web UI', () => {
  let runtime: LocalRuntime;
  let browser: Browser;
  let context: BrowserContext;
  let dataDir: string;
  let file: string;
  let imageId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-image-page-'));
    file = join(dataDir, 'harbour.jpg');
    // Wider than the display rendition (1600 px), so the srcset has a choice to get right.
    await writeFile(file, await testImage('jpeg', { width: 2400, height: 1600 }));
    runtime = await startLocalRuntime({ dataDir: join(dataDir, 'state'), port: 0, concurrency: 2 });
    await runtime.recovered;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, acceptDownloads: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: runtime.url });

    const page = await open(runtime.signInUrl);
    await page.locator('#file-input').setInputFiles([file]);
    const card = page.locator('li.card', { hasText: 'harbour.jpg' });
    await card.locator('.badge-processed').waitFor({ timeout: 120_000 });
    imageId = (await card.getAttribute('data-image-id')) ?? '';
    // The card shows the smart-cropped square, with the placeholder frame around it.
    expect(await card.locator('.card-frame img').getAttribute('src')).toMatch(/\/card\.(webp|jpg)$/);
    await page.close();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function open(url: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message: ConsoleMessage) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) problems.push(message.text());
    });
    await page.goto(url);
    await page.getByText('Signed in as').waitFor();
    return page;
  }

  async function imagePage(): Promise<Page> {
    const page = await open(runtime.signInUrl);
    await page.goto(`${runtime.url}/#/images/${encodeURIComponent(imageId)}`);
    await page.getByRole('heading', { name: 'Use this image' }).waitFor();
    return page;
  }

  it('shows the placeholder until the display image arrives, then a display-sized file, and says how it is served', async () => {
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    // Hold every processed image: the page must show its placeholder meanwhile.
    const held: Route[] = [];
    await page.route((url) => url.pathname.startsWith('/cdn/'), (route) => void held.push(route));
    await page.goto(runtime.signInUrl);
    await page.getByText('Signed in as').waitFor();
    const answer = page.waitForResponse((response) => new URL(response.url()).pathname === `/api/images/${imageId}`);
    await page.goto(`${runtime.url}/#/images/${encodeURIComponent(imageId)}`);
    const record = ((await (await answer).json()) as { image: { delivery: { formats: string[] } } }).image.delivery;

    const frame = page.locator('.full-size .image-frame');
    await frame.waitFor();
    expect(await frame.getAttribute('data-placeholder')).toBe('thumbhash');
    expect(await frame.getAttribute('data-loaded')).toBeNull();
    const before = await frame.evaluate((node) => {
      const element = node as unknown as BrowserElement;
      const style = (globalThis as unknown as BrowserWindow).getComputedStyle(element);
      return { background: style.backgroundImage, loaded: element.querySelector('img')?.naturalWidth, height: element.getBoundingClientRect().height };
    });
    expect(before.background).toMatch(/^url\("data:image\/png;base64,/);
    expect(before.loaded).toBe(0);
    // The aspect ratio reserves the box: 2400 x 1600 at the frame's width.
    expect(before.height).toBeGreaterThan(300);

    await page.unroute((url) => url.pathname.startsWith('/cdn/'));
    for (const route of held.splice(0)) await route.continue();
    await page.locator('.full-size .image-frame[data-loaded]').waitFor();
    const after = await frame.evaluate((node) => {
      const element = node as unknown as BrowserElement;
      return {
        background: (globalThis as unknown as BrowserWindow).getComputedStyle(element).backgroundImage,
        src: element.querySelector('img')?.currentSrc ?? '',
        height: element.getBoundingClientRect().height,
      };
    });
    expect(after.background).toBe('none');
    expect(after.src).toMatch(/\/(display|large)\.(webp|jpg)$/);
    expect(Math.abs(after.height - before.height)).toBeLessThan(2);

    // "Served as" names the formats the record says exist, and no other.
    const servedAs = await page.locator('.served-as').innerText();
    const labels = { avif: 'AVIF', webp: 'WebP', jpeg: 'JPEG', png: 'PNG' } as const;
    for (const [format, label] of Object.entries(labels)) expect(servedAs.includes(label)).toBe(record.formats.includes(format));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('copies a URL and the <picture> snippet to the clipboard, by keyboard, and says "Copied"', async () => {
    const page = await imagePage();
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Copy <picture> element' }).focus();
    await page.keyboard.press('Enter');
    // The visible label says so; the accessible name follows it.
    const copied = page.locator('.snippet', { has: page.locator('#snippet-picture') }).locator('.copy-button');
    await copied.and(page.locator('[data-state="copied"]')).waitFor();
    expect(await copied.locator('span').first().innerText()).toBe('Copied');
    expect(await page.getByRole('button', { name: 'Copied <picture> element' }).count()).toBe(1);
    await page.getByText('Copied the <picture> element.').waitFor({ state: 'attached' });
    const snippet = await page.locator('#snippet-picture').innerText();
    expect(snippet).toMatch(/^<picture>[\s\S]*<img [^>]*width="2400" height="1600"/);
    expect(await page.evaluate(() => (globalThis as unknown as BrowserWindow).navigator.clipboard.readText())).toBe(snippet);

    const copyUrl = page.getByRole('button', { name: /^Copy URL of display/ }).first(); // display · JPEG, then display · WebP
    await copyUrl.focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => (globalThis as unknown as BrowserWindow).navigator.clipboard.readText().then((text) => /\/display\.(webp|jpg)$/.test(text)));
    const url = await page.evaluate(() => (globalThis as unknown as BrowserWindow).navigator.clipboard.readText());
    expect((await page.request.get(url)).status()).toBe(200);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('downloads a rendition and the original under the upload’s name', async () => {
    const page = await imagePage();
    const [rendition] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Download display/ }).first().click()]);
    expect(rendition.suggestedFilename()).toMatch(/^harbour-display\.(webp|jpg)$/);
    const renditionBytes = await readFile((await rendition.path()) ?? '');
    expect(renditionBytes.length).toBeGreaterThan(1000);

    const [original] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the original' }).click()]);
    expect(original.suggestedFilename()).toBe('harbour.jpg');
    expect((await readFile((await original.path()) ?? '')).equals(await readFile(file))).toBe(true);
    // Saved, not opened: the app is still on the image page.
    expect(page.url()).toBe(`${runtime.url}/#/images/${encodeURIComponent(imageId)}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('compares before and after with a slider the keyboard moves, sizes and formats on each side', async () => {
    const page = await imagePage();
    await page.getByRole('button', { name: 'Compare with the original' }).click();
    const range = page.getByRole('slider', { name: /Divider between the original/ });
    await range.waitFor();
    // The focus moved to the slider: the arrow keys move the divider at once.
    expect(await range.evaluate((element) => (element as unknown) === (globalThis as unknown as BrowserWindow).document.activeElement)).toBe(true);
    const clip = () => page.locator('.compare-after').evaluate((element) => (element as unknown as BrowserElement).style.clipPath);
    expect(await clip()).toBe('inset(0px 0px 0px 50%)');
    for (let i = 0; i < 5; i += 1) await page.keyboard.press('ArrowRight');
    expect(await range.inputValue()).toBe('55');
    expect(await clip()).toBe('inset(0px 0px 0px 55%)');
    expect(await range.getAttribute('aria-valuetext')).toBe('55% original, 45% optimised');
    await page.keyboard.press('Home');
    expect(await clip()).toBe('inset(0px 0px 0px 0%)');
    await page.keyboard.press('End');
    expect(await range.inputValue()).toBe('100');

    const facts = await page.locator('.compare-facts').innerText();
    expect(facts).toMatch(/Left: original\s+JPEG · [\d.]+ (kB|MB)/);
    expect(facts).toMatch(/Right: optimised\s+(WebP|JPEG|AVIF) · [\d.]+ (kB|MB)/);
    // Both images decoded (the original through its blob: URL, allowed by the CSP).
    await page.waitForFunction(() =>
      [...(globalThis as unknown as BrowserWindow).document.querySelectorAll('.compare-frame img')].every((img) => img.complete && img.naturalWidth > 0),
    );
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('reaches every action of the panel with Tab, in reading order', async () => {
    const page = await imagePage();
    await page.locator('h1').focus();
    const reached: string[] = [];
    for (let i = 0; i < 60; i += 1) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => {
        const element = (globalThis as unknown as BrowserWindow).document.activeElement;
        return element ? element.getAttribute('aria-label') ?? element.textContent?.trim() ?? element.tagName : '';
      });
      reached.push(name);
      if (name === 'Compare with the original') break;
    }
    const order = ['Copy URL of Full size', 'Download Full size', 'Copy URL of display', 'Download display', 'Download the original', 'Copy srcset', 'Copy <picture> element', 'Compare with the original'];
    const positions = order.map((prefix) => reached.findIndex((name) => name.startsWith(prefix)));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    await page.close();
  });
});
