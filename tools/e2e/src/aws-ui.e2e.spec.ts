import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import type { WebConfig } from '@imgpipe/contracts/views';
import { testImage } from '@imgpipe/image-ops/testing';
import { buildWeb } from '@imgpipe/web';
import { axeViolations } from './axe';
import { launchBrowser } from './browser';
import { FakeAws, type ImageRecord } from './fake-aws';
import { serveFolder, type StaticServer } from './static-server';

/**
 * The web UI as it runs on AWS: the one build, with a `config.json` shaped like the one the
 * Api stack writes (`webConfigFor`: Cognito's hosted sign-in, the HTTP API on its own
 * origin, images at the root of the UI's origin, no event stream, a CloudWatch dashboard),
 * served from a plain static server on 127.0.0.1. Cognito and API Gateway are faked inside
 * the browser (fake-aws.ts), so the journey runs the real OIDC code flow, cross-origin API
 * calls under CORS, polling and the timed token refresh, with no network.
 */

const REGION = 'eu-west-1';
const HOSTED_UI = `https://imgpipe-test.auth.${REGION}.amazoncognito.com`;
const ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_Ab12Cd34E`;
const CLIENT_ID = '4f7pk1q0v3mhd2r8b5s6t9u0aa';
const API_BASE_URL = `https://abc123.execute-api.${REGION}.amazonaws.com`;
const DASHBOARD_URL = `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#dashboards/dashboard/imgpipe-pipeline`;
/** What the UI's config.json on AWS says (the shape of infra's `webConfigFor`). */
const AWS_CONFIG = {
  apiBaseUrl: API_BASE_URL,
  cdnBaseUrl: '',
  auth: {
    kind: 'oidc',
    issuer: ISSUER,
    clientId: CLIENT_ID,
    scopes: ['openid', 'email', 'profile'],
    authorizationEndpoint: `${HOSTED_UI}/oauth2/authorize`,
    tokenEndpoint: `${HOSTED_UI}/oauth2/token`,
    logoutEndpoint: `${HOSTED_UI}/logout`,
  },
  eventsUrl: null,
  statsUrl: null,
  dashboardUrl: DASHBOARD_URL,
} satisfies WebConfig;

const USER = { sub: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b', email: 'ada@example.com' };
/** Cognito's default ID token lifetime. */
const TOKEN_LIFETIME_S = 3600;
/** The UI's POLL_INTERVAL_MS (apps/web/src/main.ts). */
const POLL_INTERVAL_MS = 4000;
/** apps/web's storage keys (oidc-session.ts, oidc.ts). */
const SESSION_KEY = 'imgpipe.oidc.session';
const PENDING_KEY = 'imgpipe.oidc.pending';

const HARBOUR_ID = '01J9ZQ4V7W3M8K2N6P5R1T0XYZ';
const LOGO_ID = '01J9ZR0B3C4D5E6F7G8H9J0KLM';
const keys = (imageId: string, original: string) => ({
  originalKey: `uploads/${USER.sub}/${imageId}/${original}`,
  compressedKey: `compressed/${USER.sub}/${imageId}/full.webp`,
  thumbnails: { small: `thumbnails/${USER.sub}/${imageId}/small.webp`, medium: `thumbnails/${USER.sub}/${imageId}/medium.webp` },
});
const HARBOUR: ImageRecord = {
  imageId: HARBOUR_ID,
  userId: USER.sub,
  uploadedAt: '2025-06-01T09:14:07.000Z',
  updatedAt: '2025-06-01T09:14:09.310Z',
  status: 'processed',
  ...keys(HARBOUR_ID, 'harbour.jpg'),
  originalSize: 482_133,
  format: 'jpeg',
  width: 1200,
  height: 800,
  renditionsVersion: 'v1',
  compressedSize: 161_022,
  savingsPercent: 66.6,
  processingTimeMs: 2310,
};
/** Uploaded a moment ago; still in the pipeline when the gallery first loads. */
const LOGO_PROCESSING: ImageRecord = {
  imageId: LOGO_ID,
  userId: USER.sub,
  uploadedAt: '2025-06-01T09:20:41.000Z',
  status: 'processing',
  originalKey: keys(LOGO_ID, 'logo.png').originalKey,
  originalSize: 58_410,
};
const LOGO_PROCESSED: ImageRecord = {
  ...LOGO_PROCESSING,
  ...keys(LOGO_ID, 'logo.png'),
  status: 'processed',
  updatedAt: '2025-06-01T09:20:43.120Z',
  format: 'png',
  width: 400,
  height: 300,
  renditionsVersion: 'v1',
  compressedSize: 21_877,
  savingsPercent: 62.5,
  processingTimeMs: 1980,
};

describe('the web UI as deployed on AWS (Cognito sign-in, cross-origin API, polling), in a real browser', () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgpipe-aws-ui-'));
    await buildWeb({ outDir: dir, minify: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify(AWS_CONFIG));
    // The thumbnails the CDN serves at the root of the UI's origin (cdnBaseUrl '').
    const thumbnail = await testImage('webp', { width: 160, height: 120 });
    for (const record of [HARBOUR, LOGO_PROCESSED]) {
      for (const key of Object.values(record['thumbnails'] as Record<string, string>)) {
        await mkdir(dirname(join(dir, key)), { recursive: true });
        await writeFile(join(dir, key), thumbnail);
      }
    }
    server = await serveFolder(dir);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  interface Journey {
    readonly context: BrowserContext;
    readonly page: Page;
    readonly fake: FakeAws;
    readonly pageErrors: string[];
    readonly requests: Request[];
  }

  async function open(options: { readonly clock?: boolean } = {}): Promise<Journey> {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    // The page's clock runs as usual until the test moves it forward (the token refresh is 55 minutes away).
    if (options.clock) await context.clock.install({ time: Date.now() });
    const fake = new FakeAws({
      uiOrigin: server.origin,
      apiBaseUrl: API_BASE_URL,
      hostedUiBaseUrl: HOSTED_UI,
      issuer: ISSUER,
      clientId: CLIENT_ID,
      user: USER,
      tokenLifetimeSeconds: TOKEN_LIFETIME_S,
    });
    await fake.install(context);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    const requests: Request[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    page.on('request', (request) => requests.push(request));
    await page.goto(`${server.origin}/`);
    return { context, page, fake, pageErrors, requests };
  }

  /** The page's `window` storages (this project type-checks without the DOM library). */
  type WebStorages = Record<'localStorage' | 'sessionStorage', { getItem(key: string): string | null }>;
  const storageItem = (page: Page, kind: keyof WebStorages, key: string) =>
    page.evaluate(([storage, name]) => (globalThis as unknown as WebStorages)[storage].getItem(name), [kind, key] as const);

  /** Waits until the <img> has loaded and been decoded to a non-zero size; its absolute URL. */
  async function loadedImage(img: Locator, page: Page): Promise<string> {
    await img.waitFor();
    await page.waitForFunction(
      (element) => {
        const image = element as unknown as { complete: boolean; naturalWidth: number } | null;
        return image !== null && image.complete && image.naturalWidth > 0;
      },
      await img.elementHandle(),
    );
    return img.evaluate((element) => (element as unknown as { src: string }).src);
  }

  it('signs in at the hosted sign-in, lists and polls images, renews the token, links CloudWatch and signs out', async () => {
    const { context, page, fake, pageErrors, requests } = await open({ clock: true });
    fake.images.set(HARBOUR_ID, HARBOUR);
    fake.images.set(LOGO_ID, LOGO_PROCESSING);

    // The sign-in page names where the person will sign in.
    const signIn = page.getByRole('button', { name: 'Sign in' });
    await signIn.waitFor();
    expect(await page.locator('main').innerText()).toContain('imgpipe-test.auth.eu-west-1.amazoncognito.com');
    expect(await axeViolations(page)).toEqual([]);

    // The round trip: authorize (PKCE S256) -> 302 back with a code -> the code exchange.
    await signIn.click();
    // Signed in, or refused with an alert: the fake's problems say why before a timeout would.
    await page.getByText('Signed in as').or(page.getByRole('alert')).first().waitFor();
    expect(fake.problems).toEqual([]);
    await page.getByText('Signed in as').waitFor({ timeout: 1000 });
    expect(fake.authorizations).toHaveLength(1);
    const authorize = fake.authorizations[0] as URLSearchParams;
    expect(Object.fromEntries(authorize)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${server.origin}/`,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    const exchange = fake.tokenRequests[0] as URLSearchParams;
    expect(exchange.get('grant_type')).toBe('authorization_code');
    expect(createHash('sha256').update(exchange.get('code_verifier') ?? '').digest('base64url')).toBe(authorize.get('code_challenge'));
    const signedIn = fake.issued[0];
    expect(signedIn?.claims['nonce']).toBe(authorize.get('nonce'));
    // The code left the address bar; the header names the person by their email.
    expect(page.url()).toBe(`${server.origin}/`);
    expect(await page.locator('.account .user').innerText()).toBe(`Signed in as ${USER.email}`);

    // The gallery, from the API on its own origin with the ID token as the bearer.
    const card = (name: string) => page.locator('li.card', { hasText: name });
    await card('harbour.jpg').locator('.badge-processed').waitFor();
    await card('logo.png').locator('.badge-processing').waitFor();
    expect(await page.locator('li.card').count()).toBe(2);
    expect(fake.apiCalls[0]).toMatchObject({ method: 'GET', path: expect.stringMatching(/^\/images(\?|$)/), token: signedIn?.idToken });
    // Thumbnails come from the root of the UI's own origin (the CloudFront distribution).
    expect(await card('harbour.jpg').locator('img').getAttribute('src')).toBe(`/thumbnails/${USER.sub}/${HARBOUR_ID}/small.webp`);
    expect(await loadedImage(card('harbour.jpg').locator('img'), page)).toBe(`${server.origin}/thumbnails/${USER.sub}/${HARBOUR_ID}/small.webp`);
    expect(await axeViolations(page)).toEqual([]);

    // No event stream on AWS: the indicator says so, and the page polls what it waits for.
    const live = page.locator('.account .live');
    expect(await live.innerText()).toBe('Polling');
    expect(await live.getAttribute('title')).toMatch(/no live update stream/);
    fake.images.set(LOGO_ID, LOGO_PROCESSED); // the pipeline finished meanwhile
    await fake.fastForward(context, POLL_INTERVAL_MS);
    await card('logo.png').locator('.badge-processed').waitFor();
    expect(fake.apiCalls.map((call) => `${call.method} ${call.path}`)).toContain(`GET /images/${LOGO_ID}`);
    expect(await loadedImage(card('logo.png').locator('img'), page)).toBe(`${server.origin}/thumbnails/${USER.sub}/${LOGO_ID}/small.webp`);

    // 55 minutes on (5 before the ID token expires), the refresh token renews it.
    const refreshed = page.waitForResponse((response) => response.url() === `${HOSTED_UI}/oauth2/token` && response.request().postData()?.includes('refresh_token') === true);
    await fake.fastForward(context, (TOKEN_LIFETIME_S - 5 * 60 + 30) * 1000);
    await refreshed;
    const refresh = fake.tokenRequests[1] as URLSearchParams;
    expect(Object.fromEntries(refresh)).toMatchObject({ grant_type: 'refresh_token', refresh_token: signedIn?.refreshToken, client_id: CLIENT_ID });
    const renewed = fake.issued[1];
    expect(renewed?.grantType).toBe('refresh_token');
    await page.waitForFunction(
      ([key, token]) => (globalThis as unknown as WebStorages).localStorage.getItem(key)?.includes(token) === true,
      [SESSION_KEY, renewed?.idToken ?? ''] as const,
    );

    // The dashboard of an AWS deployment: the figures are in CloudWatch.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Pipeline dashboard' }).waitFor();
    expect(await page.locator('main').innerText()).toMatch(/in Amazon CloudWatch/);
    const cloudWatch = page.getByRole('link', { name: /Open the CloudWatch dashboard/ });
    expect(await cloudWatch.getAttribute('href')).toBe(DASHBOARD_URL);
    expect(await cloudWatch.getAttribute('target')).toBe('_blank');
    expect(await axeViolations(page)).toEqual([]);

    // Back to the gallery: the API now gets the renewed token.
    const callsBefore = fake.apiCalls.length;
    await page.getByRole('link', { name: 'Upload & gallery' }).click();
    await card('harbour.jpg').waitFor();
    await card('logo.png').waitFor();
    expect(fake.apiCalls.slice(callsBefore).map((call) => call.token)).toEqual([renewed?.idToken]);

    // Sign out: the provider's /logout, back to the sign-in page, no tokens left here.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out.').waitFor();
    expect(fake.logouts.map((query) => Object.fromEntries(query))).toEqual([{ client_id: CLIENT_ID, logout_uri: `${server.origin}/` }]);
    expect(await storageItem(page, 'localStorage', SESSION_KEY)).toBeNull();
    expect(await storageItem(page, 'sessionStorage', PENDING_KEY)).toBeNull();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    // Nothing opened an event stream; nothing left for an address the fake does not know.
    expect(requests.filter((request) => request.resourceType() === 'eventsource' || /\/events\b/.test(request.url())).map((r) => r.url())).toEqual([]);
    expect(fake.tokenRequests).toHaveLength(2);
    expect(fake.problems).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('refuses a sign-in answer whose state is not the one this tab sent, without a token request', async () => {
    const { context, page, fake, pageErrors } = await open();
    const refusal = /does not match a sign-in started in this tab/;

    // The provider's redirect carries a forged state (a login CSRF): the pending sign-in does not match.
    fake.forgedState = 'forged';
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: refusal }).waitFor();
    expect(fake.authorizations).toHaveLength(1);
    expect(await page.getByRole('alert').innerText()).toMatch(/^Sign-in failed: /);
    expect(page.url()).toBe(`${server.origin}/`);

    // A tampered link opened in a tab that started no sign-in.
    await page.goto(`${server.origin}/?code=x&state=forged`);
    await page.getByRole('alert').filter({ hasText: refusal }).waitFor();
    expect(page.url()).toBe(`${server.origin}/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    expect(fake.tokenRequests).toEqual([]);
    expect(await storageItem(page, 'localStorage', SESSION_KEY)).toBeNull();
    expect(fake.problems).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
