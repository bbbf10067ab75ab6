import { formatBytes, formatPercent } from '@imgpipe/contracts/units';
import { formatTable } from '../table';
import type { ImageResult } from './image-result';

/** The totals line's figures. */
export interface ProcessTotals {
  readonly count: number;
  readonly processed: number;
  /** Failed or timed out. */
  readonly failed: number;
  /** Originals of the processed images. */
  readonly bytesBefore: number;
  /** Their full-size WebP (or primary) variants. */
  readonly bytesAfter: number;
  readonly savedBytes: number;
  /** Of `bytesBefore`; 0 when nothing was processed. */
  readonly savedPercent: number;
  readonly wallMs: number;
  readonly imagesPerSecond: number;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The totals over `results`, processed in `wallMs`. */
export function totalsOf(results: readonly ImageResult[], wallMs: number): ProcessTotals {
  const processed = results.filter((r) => r.status === 'processed');
  const bytesBefore = processed.reduce((sum, r) => sum + r.originalBytes, 0);
  const bytesAfter = processed.reduce((sum, r) => sum + (r.webpBytes ?? r.compressedBytes ?? r.originalBytes), 0);
  const savedBytes = bytesBefore - bytesAfter;
  return {
    count: results.length,
    processed: processed.length,
    failed: results.length - processed.length,
    bytesBefore,
    bytesAfter,
    savedBytes,
    savedPercent: bytesBefore > 0 ? round((savedBytes / bytesBefore) * 100, 1) : 0,
    wallMs,
    imagesPerSecond: wallMs > 0 ? round(results.length / (wallMs / 1000), 2) : 0,
  };
}

/** Right-aligns a column of text cells and its header (formatTable right-aligns numbers only). */
function alignRight(header: string, cells: readonly string[]): { readonly header: string; readonly cells: string[] } {
  const width = Math.max(header.length, ...cells.map((c) => c.length));
  return { header: header.padStart(width), cells: cells.map((c) => c.padStart(width)) };
}


/**
 * The results table: file, original, webp, savings %, renditions, ms, status. A failed
 * image shows its failure code as its status; `-` where a figure does not exist.
 *
 * @example
 * file       original     webp  savings %  renditions           ms  status
 * ---------  --------  -------  ---------  ------------------  ---  ---------
 * photo.jpg   30.1 kB  13.6 kB      54.6%  small,medium,large  757  processed
 */
export function formatResultsTable(results: readonly ImageResult[]): string {
  const original = alignRight('original', results.map((r) => formatBytes(r.originalBytes)));
  const webp = alignRight('webp', results.map((r) => (r.webpBytes !== undefined ? formatBytes(r.webpBytes) : '-')));
  const savings = alignRight('savings %', results.map((r) => (r.savingsPercent !== undefined ? formatPercent(r.savingsPercent) : '-')));
  const ms = alignRight('ms', results.map((r) => String(r.ms)));
  const rows = results.map((r, i) => [
    r.file,
    original.cells[i] ?? '',
    webp.cells[i] ?? '',
    savings.cells[i] ?? '',
    r.renditions.length > 0 ? r.renditions.join(',') : '-',
    ms.cells[i] ?? '',
    r.status === 'processed' ? 'processed' : `${r.status} ${r.failure?.code ?? ''}`.trim(),
  ]);
  return formatTable(['file', original.header, webp.header, savings.header, 'renditions', ms.header, 'status'], rows);
}

/** The totals, as lines under the table. */
export function formatTotals(totals: ProcessTotals): string {
  const failed = totals.failed > 0 ? `, ${totals.failed} failed` : '';
  return [
    `${totals.count} image(s): ${totals.processed} processed${failed}`,
    `bytes: ${formatBytes(totals.bytesBefore)} before, ${formatBytes(totals.bytesAfter)} after, ` +
      `${formatBytes(totals.savedBytes)} saved (${formatPercent(totals.savedPercent)})`,
    `wall time: ${(totals.wallMs / 1000).toFixed(2)} s, ${totals.imagesPerSecond.toFixed(2)} images/s`,
  ].join('\n');
}

/** One line per failed image: file, code and reason (for stderr). Empty when none failed. */
export function formatFailures(results: readonly ImageResult[]): string {
  return results
    .filter((r) => r.status !== 'processed')
    .map((r) => {
      const where = r.failure?.stage ? ` at ${r.failure.stage}` : '';
      const retry = r.failure?.retryable ? ' (retryable: `imgpipe redrive`)' : '';
      return `${r.file}: ${r.failure?.code ?? r.status}${where}: ${r.failure?.reason ?? 'no reason recorded'}${retry}`;
    })
    .join('\n');
}
