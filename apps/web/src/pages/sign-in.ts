/**
 * The sign-in screen, for the config's `auth.kind`:
 * - `dev` (the local runtime): how to use the link `npm start` printed, and a form that
 *   signs in a development user (`POST <auth.loginUrl>`, allowed on loopback only);
 * - `oidc`: a "Sign in" button that goes to the provider's sign-in page.
 */
import { describeError } from '../api';
import { h } from '../dom';

interface CommonDeps {
  /** Why the person is here again (an expired session, a sign-out), shown above the form. */
  readonly notice?: string;
  /** What went wrong with the last sign-in (the provider's error), shown as an alert. */
  readonly error?: string;
}

export interface DevSignInDeps extends CommonDeps {
  readonly kind: 'dev';
  /** Signs in a development user: their token. */
  readonly devLogin: (user: string) => Promise<string>;
  readonly onToken: (token: string) => void;
}

export interface OidcSignInDeps extends CommonDeps {
  readonly kind: 'oidc';
  /** The provider's sign-in URL (or its issuer), whose host the page names. */
  readonly provider: string;
  /** Sends the browser to the provider; rejects when it cannot (its settings unreadable). */
  readonly signIn: () => Promise<void>;
}

export type SignInDeps = DevSignInDeps | OidcSignInDeps;

export interface SignInPage {
  readonly element: HTMLElement;
  readonly heading: HTMLElement;
}

function messages(deps: CommonDeps): HTMLElement[] {
  return [
    deps.notice ? h('p', { class: 'notice', attrs: { role: 'status' } }, deps.notice) : null,
    deps.error ? h('p', { class: 'error', attrs: { role: 'alert' } }, deps.error) : null,
  ].filter((element): element is HTMLParagraphElement => element !== null);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function createSignInPage(deps: SignInDeps): SignInPage {
  return deps.kind === 'dev' ? devSignInPage(deps) : oidcSignInPage(deps);
}

/** The page around either way of signing in: the heading, the notice or error, the panels. */
function signInPage(deps: SignInDeps, ...panels: HTMLElement[]): SignInPage {
  const heading = h('h1', { attrs: { tabindex: -1 } }, 'Sign in to imgpipe');
  const element = h('div', { class: 'page sign-in' }, heading, ...messages(deps), ...panels);
  return { element, heading };
}

function oidcSignInPage(deps: OidcSignInDeps): SignInPage {
  const button = h('button', { class: 'button primary', attrs: { type: 'button' } }, 'Sign in');
  const error = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
  button.addEventListener('click', () => {
    button.disabled = true;
    button.textContent = 'Going to the sign-in page…';
    error.hidden = true;
    deps.signIn().catch((cause: unknown) => {
      button.disabled = false;
      button.textContent = 'Sign in';
      error.textContent = `Sign-in could not start: ${describeError(cause)}`;
      error.hidden = false;
    });
  });
  return signInPage(
    deps,
    h(
      'section',
      { class: 'panel stack' },
      h('p', {}, 'You sign in on the sign-in page of ', h('strong', {}, hostOf(deps.provider)), ' and come back here. New here? That page can create an account, if this deployment allows it.'),
      error,
      h('p', {}, button),
    ),
  );
}

function devSignInPage(deps: DevSignInDeps): SignInPage {
  const input = h('input', {
    attrs: {
      id: 'dev-user',
      name: 'user',
      type: 'text',
      required: true,
      maxlength: 128,
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: 'false',
      'aria-describedby': 'dev-user-hint',
      value: 'dev',
    },
  });
  const submit = h('button', { class: 'button primary', attrs: { type: 'submit' } }, 'Sign in as a development user');
  const error = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
  const form = h(
    'form',
    { class: 'form', attrs: { 'aria-labelledby': 'dev-heading', novalidate: true } },
    h('h2', { attrs: { id: 'dev-heading' } }, 'Or sign in as a development user'),
    h('label', { attrs: { for: 'dev-user' } }, 'User name'),
    input,
    h(
      'p',
      { class: 'hint', attrs: { id: 'dev-user-hint' } },
      'Letters, digits and _ - . @ | : + =. Each name sees only its own images. Works only when this page is opened on the machine running npm start.',
    ),
    error,
    submit,
  );
  const origin = typeof location === 'undefined' ? 'http://127.0.0.1:3000' : location.origin;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const user = input.value.trim();
    if (user === '') {
      error.textContent = 'Enter a user name.';
      error.hidden = false;
      input.focus();
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    deps.devLogin(user).then(
      (token) => deps.onToken(token),
      (cause: unknown) => {
        submit.disabled = false;
        error.textContent = `Sign-in failed: ${describeError(cause)}`;
        error.hidden = false;
        input.focus();
      },
    );
  });

  return signInPage(
    deps,
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Use the sign-in link'),
      h('p', {}, 'When ', h('code', {}, 'npm start'), ' starts the pipeline it prints a sign-in link in its terminal. Open it in this browser; it looks like:'),
      h('p', {}, h('code', { class: 'break' }, `${origin}/#token=eyJhbGciOi…`)),
    ),
    h('section', { class: 'panel' }, form),
  );
}
