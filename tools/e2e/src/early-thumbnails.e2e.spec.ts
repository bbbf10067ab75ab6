import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { testImage } from '@imgpipe/image-ops/testing';
import { startLocalRuntime, type LocalRuntime } from '@imgpipe/local';
import { RuntimeClient } from '@imgpipe/local/testing';
import { axeViolations } from './axe';
import { launchBrowser } from './browser';

/**
 * Issue 13, "the first thing a user sees, early": a ~13 MP photo uploaded in Chromium to a
 * real local runtime shows its card rendition over its placeholder while it is still
 * processing, because the thumbnail branch records `ThumbnailsGenerated` (RecordThumbnails)
 * before the full-size encode ends, and the live update pushes it. Prints the time from
 * "upload stored" (S3's `Object Created` for the upload, as the runtime's bus takes it: the
 * storage answer reaches the test's own process later, by however long the runtime in this
 * same process keeps its event loop busy, 0-50 ms) to the thumbnail loaded in the page (the
 * page's clock: the same machine clock), and every
 * hop in between (`breakdown`: the buses, the services' log lines, the page's requests and
 * live updates), for whoever makes it shorter; asserts
 * no time, only the order: the thumbnails are in the history before `ImageCompressed`, and
 * (when the full encode took long enough to tell) the card showed them before `processed`.
 */
// The browser-side globals the init script uses: this project compiles without the DOM lib.
interface BrowserNode {
  readonly dataset: Readonly<Record<string, string | undefined>>;
  closest(selector: string): BrowserNode | null;
  querySelectorAll(selector: string): { readonly length: number; forEach(each: (node: BrowserNode) => void): void };
  readonly classList: { contains(name: string): boolean };
}
interface BrowserGlobals {
  readonly document: BrowserNode;
  readonly performance: { readonly timeOrigin: number; now(): number };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };
  earlyThumbnail?: { readonly at: number; readonly status: string };
  processedCard?: number;
  watchError?: string;
  EventSource: new (url: string, init?: unknown) => { addEventListener(type: string, listener: (event: { data: string }) => void): void };
  /** When each live-update `image` event arrived, with its detail-type. */
  pushes?: { at: number; detailType: string }[];
}

/** One moment of the breakdown: what happened, and when (epoch ms, this machine's clock). */
interface Moment {
  readonly at: number;
  readonly what: string;
}

const WIDTH = 4160;
const HEIGHT = 3120;

describe('thumbnails before the full-size encode ends (issue 13)', () => {
  let runtime: LocalRuntime;
  let browser: Browser;
  let dataDir: string;
  let file: string;
  const problems: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-early-'));
    file = join(dataDir, 'night-street.jpg');
    await writeFile(file, await testImage('jpeg', { width: WIDTH, height: HEIGHT }));
    runtime = await startLocalRuntime({ dataDir: join(dataDir, 'state'), port: 0, concurrency: 2 });
    await runtime.recovered;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Records, in the page, when a card first shows an early thumbnail loaded and when a card first reads processed. */
  async function watchCards(page: Page): Promise<void> {
    await page.addInitScript(() => {
      const w = globalThis as unknown as BrowserGlobals;
      const now = () => w.performance.timeOrigin + w.performance.now();
      const look = (): void => {
        try {
          w.document.querySelectorAll('li.card .card-frame[data-early][data-loaded]').forEach((frame) => {
            if (w.earlyThumbnail !== undefined) return;
            const card = frame.closest('li.card');
            w.earlyThumbnail = { at: now(), status: card !== null && card.classList.contains('status-processing') ? 'processing' : 'other' };
          });
          if (w.processedCard === undefined && w.document.querySelectorAll('li.card.status-processed').length > 0) w.processedCard = now();
        } catch (error) {
          w.watchError = String(error);
        }
      };
      new w.MutationObserver(look).observe(w.document, { subtree: true, childList: true, attributes: true });
      // The live update's arrival: every EventSource the app opens also reports its `image` events here.
      const Native = w.EventSource;
      w.EventSource = class extends Native {
        constructor(url: string, init?: unknown) {
          super(url, init);
          this.addEventListener('image', (event) => {
            const detailType = (JSON.parse(event.data) as { detailType?: string }).detailType ?? '?';
            (w.pushes ??= []).push({ at: now(), detailType });
          });
        }
      };
    });
  }

  /**
   * Every hop from "upload stored" to "thumbnail visible" (issue 13), from three clocks on this
   * machine: the runtime's buses (same process), its Powertools log lines (`logs/imgpipe.log`,
   * ms timestamps; a task's start is its done line minus its `ms`), and the page's requests,
   * live-update events and the card's load.
   */
  async function breakdown(imageId: string, bus: readonly Moment[], page: readonly Moment[]): Promise<Moment[]> {
    const moments: Moment[] = [...bus, ...page];
    const log = await readFile(join(dataDir, 'state', 'logs', 'imgpipe.log'), 'utf8').catch(() => '');
    for (const line of log.split('\n')) {
      if (!line.includes(imageId)) continue;
      const entry = JSON.parse(line) as { message?: string; timestamp?: string; ms?: number; function_name?: string } & Record<string, unknown>;
      const at = Date.parse(entry.timestamp ?? '');
      if (Number.isNaN(at) || entry.message === undefined) continue;
      const fn = (entry.function_name ?? '').replace(/^imgpipe-local-/, '');
      if (entry.message === 'thumbnail timings') {
        const { getMs, decodeMs, placeholderMs, renditionsMs, renditionMs, putMs } = entry as unknown as Record<string, number | Record<string, number>>;
        moments.push({ at, what: `thumbnail work: get ${String(getMs)}, decode ${String(decodeMs)}, placeholder ${String(placeholderMs)}, renditions ${String(renditionsMs)} ${JSON.stringify(renditionMs)}, puts ${String(putMs)} ms` });
        continue;
      }
      if (typeof entry.ms === 'number') moments.push({ at: at - entry.ms, what: `${fn}: start of "${entry.message}"` });
      moments.push({ at, what: `${fn}: ${entry.message}${typeof entry.ms === 'number' ? ` (${entry.ms} ms)` : ''}` });
    }
    return moments.sort((a, b) => a.at - b.at);
  }

  it('shows the card rendition over the placeholder while processing, and prints upload stored -> thumbnail visible', async () => {
    const user = 'early-viewer';
    const busMoments: Moment[] = [];
    let storedAt: number | undefined;
    const stopWatchingBus = runtime.onEvent((busName, event) => {
      const detail = event.detail as { data?: { imageId?: unknown }; object?: { key?: unknown } } | undefined;
      const about = String(detail?.data?.imageId ?? detail?.object?.key ?? '');
      busMoments.push({ at: Date.now(), what: `bus ${busName}: ${event['detail-type']} ${about}` });
      if (event['detail-type'] === 'Object Created' && about.startsWith(`uploads/${user}/`)) storedAt ??= Date.now();
    });
    const pageMoments: Moment[] = [];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => pageMoments.push({ at: Date.now(), what: `page request ${request.method()} ${new URL(request.url()).pathname}` }));
    page.on('requestfinished', (request) => pageMoments.push({ at: Date.now(), what: `page finished ${request.method()} ${new URL(request.url()).pathname}` }));
    await watchCards(page);
    await page.goto(`${runtime.url}/#token=${await runtime.issueToken(user)}`);
    await page.getByText('Signed in as').waitFor();

    page.on('response', (response) => {
      const url = new URL(response.url());
      if (response.request().method() === 'POST' && url.origin !== new URL(runtime.url).origin && response.ok()) {
        pageMoments.push({ at: Date.now(), what: 'page storage POST answered (as the test process hears of it)' });
      }
    });
    await page.locator('#file-input').setInputFiles([file]);

    const card = page.locator('li.card', { hasText: 'night-street.jpg' });
    await card.locator('.card-frame[data-early][data-loaded]').waitFor({ timeout: 120_000 });
    // The early card: the `card` rendition, over the record's ThumbHash placeholder.
    expect(await card.locator('.card-frame[data-early] img').getAttribute('src')).toMatch(/\/thumbnails\/.*\/card\.(webp|jpg)$/);
    expect(await card.locator('.card-frame[data-early]').getAttribute('data-placeholder')).toBe('thumbhash');
    await card.locator('.badge-processed').waitFor({ timeout: 120_000 });

    const seen = await page.evaluate(() => {
      const w = globalThis as unknown as BrowserGlobals;
      return { early: w.earlyThumbnail, processed: w.processedCard, error: w.watchError, pushes: w.pushes ?? [] };
    });
    stopWatchingBus();
    expect(seen.error).toBeUndefined();
    const imageId = (await card.getAttribute('data-image-id')) ?? '';
    const { history } = await (await RuntimeClient.signIn(runtime.url, user)).image(imageId);
    const sequence = (type: string) => history.find((e) => e.detailType === type)?.sequence ?? Number.NaN;
    const compressMs = (history.find((e) => e.detailType === 'ImageCompressed')?.data as { processingMs?: number } | undefined)?.processingMs ?? 0;
    const thumbnailMs = (history.find((e) => e.detailType === 'ThumbnailsGenerated')?.data as { processingMs?: number } | undefined)?.processingMs ?? 0;

    expect(storedAt).toBeDefined();
    expect(seen.early).toBeDefined();
    const visibleMs = Math.round((seen.early?.at ?? 0) - (storedAt ?? 0));
    const processedMs = Math.round((seen.processed ?? 0) - (storedAt ?? 0));
    process.stdout.write(
      `early thumbnails, ${WIDTH} x ${HEIGHT} JPEG (${((WIDTH * HEIGHT) / 1e6).toFixed(1)} MP): upload stored -> thumbnail visible ${visibleMs} ms; ` +
        `-> card processed ${processedMs} ms (compress ${compressMs} ms, thumbnails ${thumbnailMs} ms of image work)\n`,
    );
    // The hops, from upload stored to the card's thumbnail loaded (and on to processed), for whoever makes them shorter.
    const moments = await breakdown(
      imageId,
      busMoments.filter((m) => m.what.includes(imageId)),
      [
        ...pageMoments.filter((m) => m.what.includes(imageId) || m.what.includes('/uploads') || m.what.includes('storage POST')),
        ...seen.pushes.map((p) => ({ at: p.at, what: `page live update: ${p.detailType}` })),
        ...(seen.early ? [{ at: seen.early.at, what: 'page card thumbnail loaded (visible)' }] : []),
        ...(seen.processed ? [{ at: seen.processed, what: 'page card reads processed' }] : []),
      ],
    );
    const origin = storedAt ?? 0;
    process.stdout.write(
      `hops (ms after upload stored; "page request"/"finished" are when this process heard of them, so late by its event loop):\n${moments
        .filter((m) => m.at <= (seen.processed ?? Infinity) + 50)
        .map((m) => `  ${String(Math.round(m.at - origin)).padStart(6)}  ${m.what.replace(imageId, '<id>').replace(imageId, '<id>')}`)
        .join('\n')}\n`,
    );

    // The order, by events: the thumbnails were recorded before the full-size result.
    expect(sequence('ThumbnailsGenerated')).toBeLessThan(sequence('ImageCompressed'));
    expect(history.filter((e) => e.detailType === 'ThumbnailsGenerated')).toHaveLength(1);
    // In the page: when the full encode took long enough to tell (over a second more than the
    // thumbnails), the card showed the thumbnail while still processing, before it read processed.
    if (compressMs - thumbnailMs > 1000) {
      expect(seen.early?.status).toBe('processing');
      expect(seen.early?.at ?? Infinity).toBeLessThan(seen.processed ?? 0);
    }
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
