/**
 * A button that copies a text to the clipboard and says so: its label turns to "Copied" for a
 * moment and the live region announces it. A real `<button>`, so Enter and Space work.
 */
import { announce, h, VISUALLY_HIDDEN } from './dom';

/** How long the button says "Copied" before its label comes back. */
export const COPIED_FOR_MS = 2000;

export interface CopyButtonOptions {
  /** The text copied, read when the button is pressed. */
  readonly text: () => string;
  /** The button's visible label, e.g. `Copy URL`. */
  readonly label: string;
  /**
   * What the button copies, said after the label to a screen reader only (`of display · WebP`):
   * the accessible name is then `Copy URL of display · WebP`, which keeps the visible label
   * at its start (WCAG 2.5.3), and turns to `Copied of ...` with it.
   */
  readonly context?: string;
  /** What was copied, for the announcement (`the display URL`). */
  readonly what: string;
  /**
   * The element holding the text, selected when the clipboard is refused (a page not in a
   * secure context has no `navigator.clipboard`), so Ctrl+C copies it.
   */
  readonly selectOnFailure?: () => HTMLElement | null;
}

export function copyButton(options: CopyButtonOptions): HTMLButtonElement {
  const visible = h('span', {}, options.label);
  const button = h(
    'button',
    { class: 'button small copy-button', attrs: { type: 'button' } },
    visible,
    options.context ? h('span', { class: VISUALLY_HIDDEN }, ` ${options.context}`) : null,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const say = (text: string, state: 'copied' | 'failed'): void => {
    visible.textContent = text;
    button.dataset['state'] = state;
    clearTimeout(timer);
    timer = setTimeout(() => {
      visible.textContent = options.label;
      delete button.dataset['state'];
    }, COPIED_FOR_MS);
  };
  button.addEventListener('click', () => {
    const text = options.text();
    const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    const write = clipboard ? clipboard.writeText(text) : Promise.reject(new Error('no clipboard'));
    write.then(
      () => {
        say('Copied', 'copied');
        announce(`Copied ${options.what}.`);
      },
      () => {
        const target = options.selectOnFailure?.();
        if (target) getSelection()?.selectAllChildren(target);
        say(target ? 'Selected: press Ctrl+C' : 'Copy failed', 'failed');
        announce(target ? `The browser refused the clipboard; ${options.what} is selected, press Ctrl+C to copy it.` : `The browser refused the clipboard.`);
      },
    );
  });
  return button;
}
