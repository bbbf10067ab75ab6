/**
 * The browser entry: reads `config.json`, signs in the way it says (`dev`: a token from the
 * URL fragment or the dev-login form; `oidc`: the provider's sign-in, code flow with PKCE),
 * then runs the app shell — header, hash router, live connection or polling, uploads —
 * until sign-out.
 */
import { createApiClient, describeError, devLogin, type ImageDetails } from './api';
import { createSession, decodeTokenClaims, displayUser, isExpired, tokenFromFragment, type TokenStorage } from './auth';
import { loadWebConfig, type OidcAuthConfig, type WebConfig } from './config';
import { deletedNotice, type DeletedImage } from './deleted-notice';
import { createCarriedRecords } from './carried-records';
import { createDelayedReads } from './delayed-reads';
import { h, replaceChildren } from './dom';
import type { LiveState } from './live';
import { connectLiveUpdates } from './realtime';
import { buildLogoutUrl, callbackParams, completeSignIn, OidcError, resolveServer, startSignIn, type AuthorizationServer } from './oidc';
import { createOidcSession } from './oidc-session';
import { createDashboardPage } from './pages/dashboard';
import { createHomePage } from './pages/home';
import { createImagePage } from './pages/image';
import { createNotFoundPage } from './pages/not-found';
import type { Page } from './pages/page';
import { createRecentlyDeletedPage } from './pages/recently-deleted';
import { createSignInPage, type SignInDeps } from './pages/sign-in';
import { createRefresher } from './refresher';
import { parseRoute, type Route } from './router';
import { createUploads } from './uploads';

/** Without an open event stream, watched images (and the dashboard's figures) are re-read this often. */
const POLL_INTERVAL_MS = 4000;

/**
 * How long the read of an image waits after a change that carried its record
 * (`createCarriedRecords`): the history is all it adds. A read at once ran beside the thumbnail
 * task's read of the original and the card's own request (issue 13: the early-thumbnails
 * browser test).
 */
const CARRIED_RECORD_READ_DELAY_MS = 1000;

/**
 * How long the page waits, with a live stream open, for the stream's first word on an upload it
 * stored before reading the image itself (the word normally comes ~0.1 s after the upload).
 */
const UPLOAD_CHANGE_WAIT_MS = 1000;

/** `sessionStorage` flag: this tab went to the provider's sign-out, say so when it comes back. */
const SIGNED_OUT_FLAG = 'imgpipe.signedOut';

const fetchFromWindow = (input: string, init?: RequestInit) => fetch(input, init);

function webStorage(kind: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return window[kind];
  } catch {
    return undefined; // storage disabled: the session lives in memory
  }
}

/** A storage in memory, for a browser that refuses `sessionStorage`. */
function memoryStorage(): TokenStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

function root(): HTMLElement {
  const element = document.getElementById('app');
  if (!element) throw new Error('index.html has no #app element');
  return element;
}

/** A page outside the app shell (sign-in, start-up errors): brand header and one page. */
function showStandalone(title: string, page: { readonly element: HTMLElement; readonly heading: HTMLElement }): void {
  document.title = `${title} · imgpipe`;
  replaceChildren(
    root(),
    h('header', { class: 'site-header' }, h('div', { class: 'header-inner' }, h('span', { class: 'brand' }, 'imgpipe'))),
    h('main', { attrs: { id: 'main' } }, page.element),
  );
}

function showMessagePage(title: string, ...lines: HTMLElement[]): void {
  const heading = h('h1', { attrs: { tabindex: -1 } }, title);
  showStandalone(title, { element: h('div', { class: 'page sign-in' }, heading, ...lines), heading });
}

function showConfigError(error: unknown): void {
  const reload = h('button', { class: 'button primary', attrs: { type: 'button' } }, 'Reload');
  reload.addEventListener('click', () => location.reload());
  showMessagePage(
    'imgpipe cannot start',
    h('p', { class: 'error', attrs: { role: 'alert' } }, describeError(error)),
    h(
      'p',
      {},
      'The page reads ',
      h('code', {}, 'config.json'),
      ' beside it to find this deployment’s API and sign-in. Reload to try again; if it keeps failing, the deployment is incomplete: tell whoever runs it.',
    ),
    h('p', {}, reload),
  );
}

// ---------------------------------------------------------------------------------------
// The app shell
// ---------------------------------------------------------------------------------------

/** Who is signed in, as the shell needs it. */
interface Account {
  readonly userName: string;
  /** The bearer for API calls and the stream (may refresh first). */
  readonly getToken: () => string | null | Promise<string | null>;
  /** After the shell is torn down: forget the sign-in; `notice` is set when it ended by itself. */
  readonly end: (notice?: string) => void;
}

interface RunningApp {
  /** Tears the shell down and ends the account's session. */
  signOut(notice?: string): void;
}

const LIVE_TEXT: Readonly<Record<LiveState, string>> = { open: 'Live', connecting: 'Connecting…', polling: 'Polling' };
const LIVE_TITLE: Readonly<Record<LiveState, string>> = {
  open: 'Updates arrive as they happen',
  connecting: 'Live updates are reconnecting; the page polls meanwhile',
  polling: `This deployment has no live update stream: the page re-reads what it is waiting for every ${POLL_INTERVAL_MS / 1000} s`,
};

/** The titles that differ with a push service (AWS): it never polls each image, it lists once. */
const PUSHED_LIVE_TITLE: Readonly<Partial<Record<LiveState, string>>> = {
  connecting: 'Live updates are reconnecting; the gallery is reloaded once they are back',
  polling: 'Live updates are unavailable in this browser: the gallery was loaded once, reload the page to see later changes',
};

function showApp(config: WebConfig, account: Account): RunningApp {
  let page: Page | undefined;
  let signedOut = false;
  const userName = account.userName;

  const api = createApiClient({
    apiBaseUrl: config.apiBaseUrl,
    cdnBaseUrl: config.cdnBaseUrl,
    statsUrl: config.statsUrl,
    getToken: account.getToken,
    onUnauthorized: () => signOut('The server did not accept your sign-in (it may have expired or been revoked). Sign in again.'),
  });
  const show = (details: ImageDetails) => {
    if (signedOut) return;
    uploads.applyDetails(details);
    page?.applyDetails?.(details);
  };
  // A change that carries a processing image's record is shown from it; the read follows later.
  const carried = createCarriedRecords();
  const images = createRefresher({
    load: (imageId: string) => api.getImage(imageId),
    apply: (_imageId, details: ImageDetails) => show(carried.merge(details)),
    // A background refresh that fails (a 404 before the upload is recorded, a blip) is
    // retried by the next event or poll; the pages show errors of the loads they start.
    onError: (imageId, error) => console.debug(`refreshing ${imageId} failed: ${describeError(error)}`),
  });
  // A stored upload is read at once without a live stream; with one, only if the stream has said
  // nothing of it within UPLOAD_CHANGE_WAIT_MS (its word starts a read anyway): a read at once
  // would find nothing recorded yet and only slow the server while it records the upload.
  // One timer an image: a change (which reads, now or later) replaces or cancels the wait for it.
  const delayedReads = createDelayedReads((imageId) => void images.request(imageId));
  const uploads = createUploads({
    api,
    refresh: (imageId) => {
      if (live.state === 'open') delayedReads.after(imageId, UPLOAD_CHANGE_WAIT_MS);
      else void images.request(imageId);
    },
  });

  // --- shell -----------------------------------------------------------------------------
  // The dashboard link stays when there are figures to show (the stats route) or a place to
  // send the person (the CloudWatch dashboard); a deployment with neither hides it.
  const showDashboard = config.statsUrl !== null || config.dashboardUrl !== undefined;
  const navLinks = [
    { href: '#/', label: 'Upload & gallery', matches: (route: Route) => route.name === 'home' || route.name === 'image' },
    { href: '#/deleted', label: 'Recently deleted', matches: (route: Route) => route.name === 'deleted' },
    ...(showDashboard ? [{ href: '#/dashboard', label: 'Dashboard', matches: (route: Route) => route.name === 'dashboard' }] : []),
  ].map((link) => ({ ...link, element: h('a', { class: 'nav-link', attrs: { href: link.href } }, link.label) }));
  const liveIndicator = h('span', { class: 'live', attrs: { role: 'status' } });
  const signOutButton = h('button', { class: 'button small', attrs: { type: 'button' } }, 'Sign out');
  const main = h('main', { attrs: { id: 'main' } });
  const skipLink = h('a', { class: 'skip-link', attrs: { href: '#main' } }, 'Skip to content');
  skipLink.addEventListener('click', (event) => {
    event.preventDefault(); // the fragment is the router's
    (page?.heading ?? main).focus();
  });
  replaceChildren(
    root(),
    skipLink,
    h(
      'header',
      { class: 'site-header' },
      h(
        'div',
        { class: 'header-inner' },
        h('a', { class: 'brand', attrs: { href: '#/' } }, 'imgpipe'),
        h('nav', { attrs: { 'aria-label': 'Main' } }, h('ul', { class: 'nav' }, ...navLinks.map((link) => h('li', {}, link.element)))),
        h('div', { class: 'account' }, liveIndicator, h('span', { class: 'user' }, 'Signed in as ', h('strong', {}, userName)), signOutButton),
      ),
    ),
    main,
  );

  function renderLive(state: LiveState): void {
    liveIndicator.textContent = LIVE_TEXT[state];
    liveIndicator.dataset['state'] = state;
    liveIndicator.title = (config.eventsUrl === null && config.realtime ? PUSHED_LIVE_TITLE[state] : undefined) ?? LIVE_TITLE[state];
  }

  // --- routing ---------------------------------------------------------------------------
  function createPage(route: Route): Page {
    switch (route.name) {
      case 'home':
        return createHomePage({ api, uploads, userName, onRestored: (imageId) => void images.request(imageId) });
      case 'image':
        return createImagePage(route.imageId, {
          api,
          onDeleted: (deleted) => {
            pendingDeleted = deleted;
            location.hash = '#/';
          },
        });
      case 'deleted':
        return createRecentlyDeletedPage({ api, onRestored: (image) => void images.request(image.imageId) });
      case 'dashboard':
        return createDashboardPage({
          api,
          live: config.eventsUrl !== null,
          ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}),
        });
      case 'not-found':
        return createNotFoundPage();
    }
  }

  let pendingDeleted: DeletedImage | undefined;
  let firstRender = true;
  function renderRoute(): void {
    if (signedOut) return;
    const route = parseRoute(location.hash);
    page?.dispose?.();
    page = createPage(route);
    for (const link of navLinks) {
      if (link.matches(route)) link.element.setAttribute('aria-current', 'page');
      else link.element.removeAttribute('aria-current');
    }
    document.title = `${page.title} · imgpipe`;
    replaceChildren(main, page.element);
    if (pendingDeleted) {
      page.heading.after(deletedNotice([pendingDeleted], api, (imageId) => void images.request(imageId)));
      pendingDeleted = undefined;
    }
    if (!firstRender) page.heading.focus();
    firstRender = false;
  }

  // --- live updates, or polling ----------------------------------------------------------
  function refreshWatched(): void {
    const ids = new Set([...uploads.pendingImageIds(), ...(page?.watchedImageIds?.() ?? [])]);
    for (const id of ids) void images.request(id);
  }
  // A push service (AWS): what was missed while it was down is caught up with the page's one
  // list call (the gallery's reload), never a read per image; only a single-image page,
  // which has no list, re-reads its one image.
  const pushed = config.eventsUrl === null && config.realtime !== undefined;
  const live = connectLiveUpdates(config, account.getToken, {
    onImage: (change) => {
      delayedReads.cancel(change.imageId);
      const now = carried.fromChange(change);
      // A page that shows the history (the image page) reads the image at once, as for any change.
      if (!now || page?.showsHistory) {
        if (now && !signedOut) uploads.applyDetails(now);
        void images.request(change.imageId);
        return;
      }
      show(now);
      // The record came with the change; its history can wait, so this read does not slow the
      // work the page waits for next on a busy server (one read per image per pause).
      delayedReads.after(change.imageId, CARRIED_RECORD_READ_DELAY_MS);
    },
    onStats: (stats) => page?.applyStats?.(stats),
    onState: renderLive,
    // The server may have restarted meanwhile: re-read what is watched, and let the page
    // reload what it failed to load while the server was away (the gallery's list).
    onReconnected: () => {
      if (!pushed) refreshWatched();
      else if (!page?.reconnected) for (const id of page?.watchedImageIds?.() ?? []) void images.request(id);
      page?.reconnected?.();
    },
  });
  renderLive(live.state);
  const poll = setInterval(() => {
    // With a push service there is no per-image polling, connected or not.
    if (live.state === 'open' || pushed) return;
    refreshWatched();
    // Without `stats` events the dashboard's figures are polled too.
    const shown = page;
    if (shown?.applyStats && api.getStats) {
      api.getStats().then(
        (stats) => {
          if (!signedOut && page === shown) shown.applyStats?.(stats);
        },
        (error: unknown) => console.debug(`refreshing the figures failed: ${describeError(error)}`),
      );
    }
  }, POLL_INTERVAL_MS);

  // Files dropped outside the drop zone would make the browser open them, leaving the app.
  const onWindowDragOver = (event: DragEvent) => {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  };
  const onWindowDrop = (event: DragEvent) => {
    if (event.defaultPrevented) return;
    event.preventDefault();
    if (parseRoute(location.hash).name === 'home') uploads.addFiles([...(event.dataTransfer?.files ?? [])]);
  };
  window.addEventListener('dragover', onWindowDragOver);
  window.addEventListener('drop', onWindowDrop);
  window.addEventListener('hashchange', renderRoute);

  function signOut(notice?: string): void {
    if (signedOut) return;
    signedOut = true;
    live.close();
    clearInterval(poll);
    delayedReads.dispose();
    uploads.dispose();
    page?.dispose?.();
    window.removeEventListener('hashchange', renderRoute);
    window.removeEventListener('dragover', onWindowDragOver);
    window.removeEventListener('drop', onWindowDrop);
    account.end(notice);
  }
  signOutButton.addEventListener('click', () => signOut());

  renderRoute();
  return { signOut };
}

// ---------------------------------------------------------------------------------------
// `dev` sign-in: the local runtime's token
// ---------------------------------------------------------------------------------------

function runDevSignIn(config: WebConfig, loginUrl: string): void {
  const session = createSession(webStorage('localStorage'));
  let app: RunningApp | undefined;
  /** A sign-in link opened while signed in: adopted once the running app has ended. */
  let switchTo: string | undefined;

  // The token of the sign-in link moves out of the address bar (and history) into storage.
  const fragmentToken = tokenFromFragment(location.hash);
  if (fragmentToken) {
    session.signIn(fragmentToken);
    history.replaceState(null, '', `${location.pathname}${location.search}#/`);
  }

  // A sign-in link pasted into this tab changes only the fragment: no reload, so the page
  // takes the token here (on the sign-in page, or as a switch of user when signed in).
  // Registered before the app shell's router, so the router never sees `#token=`.
  window.addEventListener('hashchange', () => {
    const token = tokenFromFragment(location.hash);
    if (!token) return;
    history.replaceState(null, '', `${location.pathname}${location.search}#/`);
    if (app) {
      switchTo = token;
      app.signOut();
      return;
    }
    session.signIn(token);
    start();
  });

  function start(notice?: string): void {
    const token = session.token();
    if (!token) {
      showSignIn(notice);
      return;
    }
    const claims = decodeTokenClaims(token);
    if (claims && isExpired(claims, Date.now())) {
      session.signOut();
      showSignIn('Your sign-in has expired. Sign in again.');
      return;
    }
    app = showApp(config, {
      userName: displayUser(claims),
      getToken: () => session.token(),
      end: (endNotice) => {
        app = undefined;
        session.signOut();
        if (switchTo !== undefined) session.signIn(switchTo);
        switchTo = undefined;
        start(endNotice);
      },
    });
  }

  function showSignIn(notice?: string): void {
    const deps: SignInDeps = {
      kind: 'dev',
      devLogin: (user) => devLogin(loginUrl, user, fetchFromWindow),
      ...(notice ? { notice } : {}),
      onToken(token) {
        session.signIn(token);
        history.replaceState(null, '', `${location.pathname}${location.search}#/`);
        start();
      },
    };
    showStandalone('Sign in', createSignInPage(deps));
  }

  start();
}

// ---------------------------------------------------------------------------------------
// `oidc` sign-in: authorization code flow with PKCE; the ID token is the bearer
// ---------------------------------------------------------------------------------------

async function runOidcSignIn(config: WebConfig, auth: OidcAuthConfig): Promise<void> {
  const tabStorage: TokenStorage = webStorage('sessionStorage') ?? memoryStorage();
  // Where the provider sends the browser back, and after sign-out: the page itself, e.g. https://d123.cloudfront.net/
  const redirectUri = `${location.origin}${location.pathname}`;
  let serverPromise: Promise<AuthorizationServer> | undefined;
  const server = (): Promise<AuthorizationServer> =>
    (serverPromise ??= resolveServer(auth, fetchFromWindow).catch((error: unknown) => {
      serverPromise = undefined; // a later sign-in tries discovery again
      throw error;
    }));

  let app: RunningApp | undefined;
  const session = createOidcSession({
    auth,
    storage: webStorage('localStorage'),
    fetch: fetchFromWindow,
    server,
    now: Date.now,
    onEnded: (notice) => {
      if (app) app.signOut(notice);
      else showSignIn(notice);
    },
  });

  function showSignIn(notice?: string, error?: string): void {
    app = undefined;
    const deps: SignInDeps = {
      kind: 'oidc',
      provider: auth.authorizationEndpoint ?? auth.issuer,
      ...(notice ? { notice } : {}),
      ...(error ? { error } : {}),
      async signIn() {
        const route = location.hash;
        const url = await startSignIn({
          auth,
          server: await server(),
          storage: tabStorage,
          redirectUri,
          ...(route && route !== '#/' && route !== '#' ? { returnTo: route } : {}),
        });
        location.assign(url);
      },
    };
    showStandalone('Sign in', createSignInPage(deps));
  }

  function showSignedIn(): void {
    app = showApp(config, {
      userName: displayUser(session.claims()),
      getToken: () => session.token(),
      end: (notice) => {
        app = undefined;
        session.signOut();
        if (notice) {
          showSignIn(notice);
        } else if (auth.logoutEndpoint) {
          // The provider's session ends too (Cognito's /logout), then it sends the browser back here.
          tabStorage.setItem(SIGNED_OUT_FLAG, '1');
          location.assign(buildLogoutUrl(auth.logoutEndpoint, auth.clientId, redirectUri));
        } else {
          showSignIn('You have signed out of imgpipe. The sign-in provider may still remember you.');
        }
      },
    });
  }

  // A timer that slept with the laptop is late: renew on coming back if the token is due.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && app) void session.token();
  });

  const callback = callbackParams(location.search);
  if (callback) {
    // The code is used once: out of the address bar and history before anything else.
    history.replaceState(null, '', `${location.pathname}${location.hash}`);
    showMessagePage('Signing you in…', h('p', { class: 'muted', attrs: { role: 'status' } }, 'Finishing the sign-in with the provider.'));
    try {
      const { tokens, returnTo } = await completeSignIn({
        callback,
        storage: tabStorage,
        fetch: fetchFromWindow,
        server: await server(),
        clientId: auth.clientId,
      });
      session.adopt(tokens);
      if (returnTo) history.replaceState(null, '', `${location.pathname}${returnTo}`);
    } catch (error) {
      // The provider's own `?error=` (cancelled, refused) reads as it is; the rest as a failure.
      const provider = error instanceof OidcError && callback.has('error') && error.code === callback.get('error');
      showSignIn(undefined, provider ? error.message : `Sign-in failed: ${describeError(error)}`);
      return;
    }
    showSignedIn();
    return;
  }
  if (session.resume()) {
    showSignedIn();
    return;
  }
  const signedOut = tabStorage.getItem(SIGNED_OUT_FLAG) !== null;
  tabStorage.removeItem(SIGNED_OUT_FLAG);
  showSignIn(signedOut ? 'You have signed out.' : undefined);
}

// ---------------------------------------------------------------------------------------

async function boot(): Promise<void> {
  let config: WebConfig;
  try {
    config = await loadWebConfig(fetchFromWindow);
  } catch (error) {
    showConfigError(error);
    return;
  }
  if (config.auth.kind === 'dev') runDevSignIn(config, config.auth.loginUrl);
  else await runOidcSignIn(config, config.auth);
}

void boot().catch((error: unknown) =>
  showMessagePage('imgpipe cannot start', h('p', { class: 'error', attrs: { role: 'alert' } }, describeError(error))),
);
