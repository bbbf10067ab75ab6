/**
 * The notice shown after a delete — of one image (from its page) or of many (the gallery's
 * bulk delete): "<name> was deleted." or "3 images were deleted." with ONE Undo that
 * restores them all through the API, then a link to Recently deleted.
 */
import { describeError, type ApiClient } from './api';
import { announce, h, replaceChildren } from './dom';
import { formatDateTime } from './format';

/** An image just deleted, as the notice names it. */
export interface DeletedImage {
  readonly imageId: string;
  readonly name: string;
  readonly undoUntil?: string;
}

function what(deleted: readonly DeletedImage[]): string {
  return deleted.length === 1 ? (deleted[0]?.name ?? 'The image') : `${deleted.length} images`;
}

/**
 * The notice, focusable (`tabindex="-1"`); its first control is Undo. `onRestored` is called
 * for each restored image, so the app re-reads it and the gallery shows it again. Images
 * whose restore fails stay deleted and are named in the alert; Undo then retries those.
 */
export function deletedNotice(
  deleted: readonly DeletedImage[],
  api: Pick<ApiClient, 'restoreImage'>,
  onRestored: (imageId: string) => void,
): HTMLElement {
  const one = deleted.length === 1;
  const undo = h('button', { class: 'button small', attrs: { type: 'button' } }, 'Undo');
  const error = h('span', { class: 'error', attrs: { role: 'alert', hidden: true } });
  // The undo window of the first to end is the one that limits "restore them all".
  const until = deleted
    .map((image) => image.undoUntil)
    .filter((iso): iso is string => iso !== undefined)
    .sort()[0];
  const notice = h(
    'div',
    { class: 'notice flash undo-notice', attrs: { tabindex: -1 } },
    h('p', { attrs: { role: 'status' } }, `${what(deleted)} ${one ? 'was' : 'were'} deleted.`),
    undo,
    h(
      'p',
      { class: 'hint' },
      `Or restore ${one ? 'it' : 'them'} ${until ? `until ${formatDateTime(until)} ` : 'later '}from `,
      h('a', { attrs: { href: '#/deleted' } }, 'Recently deleted'),
      `; after that ${one ? 'its original is' : 'their originals are'} erased.`,
    ),
    error,
  );
  let pending = [...deleted];
  undo.addEventListener('click', () => {
    undo.disabled = true;
    undo.textContent = 'Undoing…';
    error.hidden = true;
    void Promise.allSettled(pending.map((image) => api.restoreImage(image.imageId))).then((results) => {
      const failed: { image: DeletedImage; cause: unknown }[] = [];
      results.forEach((result, index) => {
        const image = pending[index] as DeletedImage;
        if (result.status === 'fulfilled') onRestored(image.imageId);
        else failed.push({ image, cause: result.reason });
      });
      if (failed.length === 0) {
        replaceChildren(
          notice,
          h('p', { attrs: { role: 'status' } }, `${what(deleted)} ${one ? 'was' : 'were'} restored and ${one ? 'is' : 'are'} being processed again.`),
        );
        notice.focus();
        announce(`${what(deleted)} ${one ? 'was' : 'were'} restored.`);
        return;
      }
      pending = failed.map((failure) => failure.image);
      undo.disabled = false;
      undo.textContent = 'Undo';
      error.textContent = one
        ? `The delete could not be undone: ${describeError(failed[0]?.cause)}`
        : `${failed.length} of ${deleted.length} could not be restored: ${failed
            .map((failure) => `${failure.image.name} (${describeError(failure.cause)})`)
            .join('; ')}`;
      error.hidden = false;
    });
  });
  return notice;
}
