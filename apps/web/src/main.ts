/**
 * The browser entry: signs in (token from the URL fragment or local storage), then runs the
 * app shell — header, hash router, live connection, uploads — until sign-out.
 */
import { createApiClient, describeError, type ImageDetails } from './api';
import { createSession, decodeTokenClaims, isExpired, tokenFromFragment, type Session } from './auth';
import { h, replaceChildren } from './dom';
import { connectLive, type LiveState } from './live';
import { createDashboardPage } from './pages/dashboard';
import { createHomePage } from './pages/home';
import { createImagePage } from './pages/image';
import { createNotFoundPage } from './pages/not-found';
import type { Page } from './pages/page';
import { createSignInPage } from './pages/sign-in';
import { createRefresher } from './refresher';
import { parseRoute, type Route } from './router';
import { createUploads } from './uploads';

/** While the live stream is down, watched images are re-read this often. */
const POLL_INTERVAL_MS = 4000;

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage disabled: the session lives in memory
  }
}

const session: Session = createSession(storage());

function root(): HTMLElement {
  const element = document.getElementById('app');
  if (!element) throw new Error('index.html has no #app element');
  return element;
}

/** Moves the token out of the address bar (and history) into storage. */
function adoptFragmentToken(): void {
  const token = tokenFromFragment(location.hash);
  if (!token) return;
  session.signIn(token);
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

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
  showApp(token, claims?.sub ?? 'unknown user');
}

function showSignIn(notice?: string): void {
  const api = createApiClient({ getToken: () => null });
  const page = createSignInPage({
    api,
    ...(notice ? { notice } : {}),
    onToken(token) {
      session.signIn(token);
      history.replaceState(null, '', `${location.pathname}${location.search}#/`);
      start();
    },
  });
  document.title = 'Sign in · imgpipe';
  replaceChildren(
    root(),
    h('header', { class: 'site-header' }, h('div', { class: 'header-inner' }, h('span', { class: 'brand' }, 'imgpipe'))),
    h('main', { attrs: { id: 'main' } }, page.element),
  );
}

const LIVE_TEXT: Readonly<Record<LiveState, string>> = { open: 'Live', connecting: 'Connecting…' };

function showApp(token: string, userName: string): void {
  let page: Page | undefined;
  let signedOut = false;

  const api = createApiClient({
    getToken: () => session.token(),
    onUnauthorized: () => signOut('Your sign-in is no longer valid (it may have expired, or the server restarted with a new key). Sign in again.'),
  });
  const images = createRefresher({
    load: (imageId: string) => api.getImage(imageId),
    apply: (_imageId, details: ImageDetails) => {
      if (signedOut) return;
      uploads.applyDetails(details);
      page?.applyDetails?.(details);
    },
    // A background refresh that fails (a 404 before the upload is recorded, a blip) is
    // retried by the next event or poll; the pages show errors of the loads they start.
    onError: (imageId, error) => console.debug(`refreshing ${imageId} failed: ${describeError(error)}`),
  });
  const uploads = createUploads({ api, refresh: (imageId) => void images.request(imageId) });

  // --- shell -----------------------------------------------------------------------------
  const navLinks = [
    { href: '#/', label: 'Upload & gallery', matches: (route: Route) => route.name === 'home' || route.name === 'image' },
    { href: '#/dashboard', label: 'Dashboard', matches: (route: Route) => route.name === 'dashboard' },
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
    liveIndicator.title = state === 'open' ? 'Updates arrive as they happen' : 'Live updates are reconnecting; the page polls meanwhile';
  }

  // --- routing ---------------------------------------------------------------------------
  function createPage(route: Route): Page {
    switch (route.name) {
      case 'home':
        return createHomePage({ api, uploads, userName });
      case 'image':
        return createImagePage(route.imageId, {
          api,
          onDeleted: ({ name }) => {
            pendingAnnouncement = `${name} was deleted.`;
            location.hash = '#/';
          },
        });
      case 'dashboard':
        return createDashboardPage({ api });
      case 'not-found':
        return createNotFoundPage();
    }
  }

  let pendingAnnouncement: string | undefined;
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
    if (pendingAnnouncement) {
      page.heading.after(h('p', { class: 'notice flash', attrs: { role: 'status' } }, pendingAnnouncement));
      pendingAnnouncement = undefined;
    }
    if (!firstRender) page.heading.focus();
    firstRender = false;
  }

  // --- live updates ----------------------------------------------------------------------
  function refreshWatched(): void {
    const ids = new Set([...uploads.pendingImageIds(), ...(page?.watchedImageIds?.() ?? [])]);
    for (const id of ids) void images.request(id);
  }
  const live = connectLive(token, {
    onImage: (change) => void images.request(change.imageId),
    onStats: (stats) => page?.applyStats?.(stats),
    onState: renderLive,
    onReconnected: refreshWatched,
  });
  renderLive(live.state);
  const poll = setInterval(() => {
    if (live.state !== 'open') refreshWatched();
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
    uploads.dispose();
    page?.dispose?.();
    window.removeEventListener('hashchange', renderRoute);
    window.removeEventListener('dragover', onWindowDragOver);
    window.removeEventListener('drop', onWindowDrop);
    session.signOut();
    start(notice);
  }
  signOutButton.addEventListener('click', () => signOut());

  renderRoute();
}

adoptFragmentToken();
start();
