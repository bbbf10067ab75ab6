/**
 * The pipeline dashboard: processed, failed (by code), in progress, p50/p95 processing
 * time, bytes saved and the dead-letter queues' depth. Pipeline-wide, not per person;
 * read from the config's `statsUrl` and updated live by the `stats` events of its
 * `eventsUrl` (or polled without one). A deployment without a stats route (AWS) gets a
 * page that says where its figures are instead: the CloudWatch dashboard (`dashboardUrl`).
 */
import { describeError, type ApiClient, type DashboardStats } from '../api';
import { h, replaceChildren, VISUALLY_HIDDEN } from '../dom';
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

export interface DashboardDeps {
  readonly api: ApiClient;
  /** Whether `stats` events arrive (an event stream is open or opening); else the shell polls. */
  readonly live: boolean;
  /** The config's `dashboardUrl`: where a deployment without stats shows its figures. */
  readonly dashboardUrl?: string;
}

/** The page of a deployment whose API has no stats route: where the figures are instead. */
function elsewherePage(heading: HTMLElement, dashboardUrl: string | undefined): Page {
  const element = h(
    'div',
    { class: 'page' },
    heading,
    h('p', {}, 'This deployment keeps its pipeline figures (images processed and failed, processing times, dead-letter queues) in Amazon CloudWatch, not in this app.'),
    dashboardUrl
      ? h(
          'p',
          {},
          h('a', { class: 'button', attrs: { href: dashboardUrl, target: '_blank', rel: 'noopener noreferrer' } }, 'Open the CloudWatch dashboard', h('span', { class: VISUALLY_HIDDEN }, ' (opens in a new tab)')),
          ' ',
          h('span', { class: 'muted' }, '(in the AWS console; you need access to the AWS account)'),
        )
      : h('p', { class: 'muted' }, 'Ask whoever runs this deployment for its CloudWatch dashboard.'),
  );
  return { element, title: 'Dashboard', heading };
}

export function createDashboardPage(deps: DashboardDeps): Page {
  const heading = h('h1', { attrs: { tabindex: -1 } }, 'Pipeline dashboard');
  const getStats = deps.api.getStats;
  if (!getStats) return elsewherePage(heading, deps.dashboardUrl);
  const updated = h('p', { class: 'muted' }, 'Loading the figures…');
  const tiles = h('dl', { class: 'tiles' });
  const failures = h('div', {});
  const error = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
  const element = h(
    'div',
    { class: 'page' },
    heading,
    h('p', {}, `Figures for the whole pipeline (every user), ${deps.live ? 'updated live as images finish' : 'refreshed every few seconds'}.`),
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

  getStats().then(
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
