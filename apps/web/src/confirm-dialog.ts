/** A modal confirmation (`<dialog>`): Cancel has the focus first; Escape cancels. */
import { h, type Child } from './dom';

export interface ConfirmOptions {
  readonly title: string;
  /** The explanation, read as the dialog's description. */
  readonly body: readonly Child[];
  /** The confirming button's label, e.g. `Delete`. */
  readonly confirmLabel: string;
}

let dialogs = 0;

/** Resolves true when the person confirms. */
export function confirmDialog(options: ConfirmOptions): Promise<boolean> {
  const id = `confirm-${(dialogs += 1)}`;
  return new Promise((resolve) => {
    const cancel = h('button', { class: 'button', attrs: { type: 'button' } }, 'Cancel');
    const confirm = h('button', { class: 'button danger', attrs: { type: 'button' } }, options.confirmLabel);
    const dialog = h(
      'dialog',
      { class: 'dialog', attrs: { 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-text` } },
      h('h2', { attrs: { id: `${id}-title` } }, options.title),
      h('p', { attrs: { id: `${id}-text` } }, ...options.body),
      h('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    const finish = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener('click', () => finish(false));
    confirm.addEventListener('click', () => finish(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
