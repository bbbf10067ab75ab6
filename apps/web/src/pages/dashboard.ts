/**
 * The pipeline dashboard: processed, failed (by code), in progress, p50/p95 processing
 * time, bytes saved and the dead-letter queues' depth. Pipeline-wide, not per person;
 * updated live by the `stats` events of `/api/events`.
 */
import { describeError, type ApiClient, type DashboardStats } from '../api';
import { h, replaceChildren } from '../dom';
import { formatBytes, formatCount, formatDateTime, formatDuration, formatPercent } from '../format';
import type { Page } from './page';

function tile(label: string, value: string, note?: string, tone?: 'good' | 'bad'): HTMLElement {
  return h(
    'div',
    { class: `tile${tone ? ` tile-${tone}` : ''}` },
    h('dt', { class: 'tile-label' }, label),
    h('dd', { class: 'tile-value' }, value),
    note ? h('dd', { class: 'tile-note' }, note) : null,
  );
}

/** The share of the original bytes saved, as a percentage; `undefined` before any image. */
export function savedShare(stats: Pick<DashboardStats, 'bytesSaved' | 'originalBytes'>): number | undefined {
  return stats.originalBytes > 0 ? (stats.bytesSaved / stats.originalBytes) * 100 : undefined;
}

/** The failure codes, most frequent first (ties by code). */
export function failuresByCount(failedByCode: Readonly<Record<string, number>>): Array<[string, number]> {
  return Object.entries(failedByCode)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

export function createDashboardPage(deps: { readonly api: ApiClient }): Page {
  const heading = h('h1', { attrs: { tabindex: -1 } }, 'Pipeline dashboard');
  const updated = h('p', { class: 'muted' }, 'Loading the figures…');
  const tiles = h('dl', { class: 'tiles' });
  const failures = h('div', {});
  const error = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
  const element = h(
    'div',
    { class: 'page' },
    heading,
    h('p', {}, 'Figures for the whole pipeline (every user), updated live as images finish.'),
    updated,
    error,
    tiles,
    h(
      'section',
      { class: 'panel', attrs: { 'aria-labelledby': 'failures-heading' } },
      h('h2', { attrs: { id: 'failures-heading' } }, 'Failures by code'),
      failures,
    ),
  );
  let received = false;

  function render(stats: DashboardStats): void {
    received = true;
    error.hidden = true;
    updated.textContent = `Updated ${formatDateTime(new Date().toISOString())}`;
    const share = savedShare(stats);
    replaceChildren(
      tiles,
      tile('Processed', formatCount(stats.processed), undefined, 'good'),
      tile('Failed', formatCount(stats.failed), undefined, stats.failed > 0 ? 'bad' : undefined),
      tile('In progress', formatCount(stats.processing)),
      tile('Processing time p50', formatDuration(stats.p50Ms), 'median, upload to record'),
      tile('Processing time p95', formatDuration(stats.p95Ms)),
      tile(
        'Bytes saved',
        formatBytes(stats.bytesSaved),
        share !== undefined ? `${formatPercent(share)} of ${formatBytes(stats.originalBytes)} uploaded` : undefined,
        'good',
      ),
      tile(
        'Dead-letter queue',
        formatCount(stats.dlqDepth),
        stats.dlqDepth > 0 ? 'messages waiting for a redrive' : 'empty',
        stats.dlqDepth > 0 ? 'bad' : undefined,
      ),
    );
    const rows = failuresByCount(stats.failedByCode);
    replaceChildren(
      failures,
      rows.length === 0
        ? h('p', { class: 'muted' }, 'No failures.')
        : h(
            'table',
            { class: 'table' },
            h('caption', { class: 'visually-hidden' }, 'Failed images by failure code'),
            h('thead', {}, h('tr', {}, h('th', { attrs: { scope: 'col' } }, 'Code'), h('th', { attrs: { scope: 'col' } }, 'Images'))),
            h('tbody', {}, ...rows.map(([code, count]) => h('tr', {}, h('th', { attrs: { scope: 'row' } }, code), h('td', {}, formatCount(count))))),
          ),
    );
  }

  deps.api.getStats().then(
    (stats) => render(stats),
    (cause: unknown) => {
      if (received) return;
      updated.textContent = '';
      error.textContent = `The figures could not be loaded: ${describeError(cause)}`;
      error.hidden = false;
    },
  );

  return { element, title: 'Dashboard', heading, applyStats: render };
}
