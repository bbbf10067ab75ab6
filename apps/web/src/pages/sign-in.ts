/**
 * The sign-in screen: how to use the link `npm start` printed, and a form that signs in a
 * development user (`POST /auth/dev-login`, which the local runtime allows on loopback).
 */
import { describeError, type ApiClient } from '../api';
import { h } from '../dom';

export interface SignInDeps {
  readonly api: ApiClient;
  readonly onToken: (token: string) => void;
  /** Why the person is here again (an expired session), shown above the form. */
  readonly notice?: string;
}

export function createSignInPage(deps: SignInDeps): { readonly element: HTMLElement; readonly heading: HTMLElement } {
  const heading = h('h1', { attrs: { tabindex: -1 } }, 'Sign in to imgpipe');
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
    deps.api.devLogin(user).then(
      (token) => deps.onToken(token),
      (cause: unknown) => {
        submit.disabled = false;
        error.textContent = `Sign-in failed: ${describeError(cause)}`;
        error.hidden = false;
        input.focus();
      },
    );
  });

  const element = h(
    'div',
    { class: 'page sign-in' },
    heading,
    deps.notice ? h('p', { class: 'notice', attrs: { role: 'status' } }, deps.notice) : null,
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Use the sign-in link'),
      h('p', {}, 'When ', h('code', {}, 'npm start'), ' starts the pipeline it prints a sign-in link in its terminal. Open it in this browser; it looks like:'),
      h('p', {}, h('code', { class: 'break' }, `${origin}/#token=eyJhbGciOi…`)),
    ),
    h('section', { class: 'panel' }, form),
  );
  return { element, heading };
}
