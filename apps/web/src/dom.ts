/**
 * Builds DOM with properties and text nodes only: strings become `Text` nodes, never
 * markup, so a hostile filename, reason or user name is shown, not run. Nothing in this
 * app assigns `innerHTML`.
 */

/** What an element may contain: nodes, and strings/numbers as text. Falsy values are skipped. */
export type Child = Node | string | number | null | undefined | false;

type Listeners = { readonly [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };

export interface Props {
  /** The class attribute. */
  readonly class?: string;
  /** Attributes: `true` sets an empty one, `false`/`null`/`undefined` leaves it out. */
  readonly attrs?: Readonly<Record<string, string | number | boolean | null | undefined>>;
  /** Event listeners. */
  readonly on?: Listeners;
}

/**
 * Creates an element.
 *
 * @example
 * h('a', { class: 'card', attrs: { href: imageHref(id) } }, h('span', {}, filename));
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const [type, listener] of Object.entries(props.on ?? {})) {
    if (listener) element.addEventListener(type, listener as EventListener);
  }
  append(element, ...children);
  return element;
}

/** Appends children (strings as text). */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A visually hidden element's class (read by screen readers, not shown). */
export const VISUALLY_HIDDEN = 'visually-hidden';

/** How many past announcements the live region keeps (older ones are removed). */
const ANNOUNCEMENTS_KEPT = 5;

/**
 * Says `text` through the page's polite live region (`#announcer`). Each sentence is a new
 * child, so a burst of changes (ten uploads finishing at once) is read out in full.
 */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.appendChild(h('p', {}, text));
  while (region.childElementCount > ANNOUNCEMENTS_KEPT) region.firstElementChild?.remove();
}
