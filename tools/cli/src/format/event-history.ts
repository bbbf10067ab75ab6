import type { HistoryEntry } from '@imgpipe/contracts/views';
import { formatBytes } from '@imgpipe/contracts/units';
import { formatTable } from '@imgpipe/local';
import type { ImageRecordView } from '../local/runtime-api';

type Data = Readonly<Record<string, unknown>>;

const isData = (value: unknown): value is Data => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const list = (value: unknown): Data[] => (Array.isArray(value) ? value.filter(isData) : []);
const size = (value: unknown) => (num(value) !== undefined ? formatBytes(num(value) as number) : '?');
const dims = (data: Data) => (num(data['width']) !== undefined && num(data['height']) !== undefined ? `${String(data['width'])}x${String(data['height'])}` : '');

/** An event's `renditions`, one entry a rendition; one written in several formats (v3: JPEG and WebP) names them. */
function renditionList(data: Data): string {
  const renditions = list(data['renditions']);
  const names = [...new Set(renditions.map((r) => str(r['name']) ?? '?'))];
  return names
    .map((name) => {
      const files = renditions.filter((r) => (str(r['name']) ?? '?') === name);
      const formats = files.length > 1 ? ` (${files.map((r) => str(r['format']) ?? '?').join(', ')})` : '';
      return `${name} ${files[0] ? dims(files[0]) : ''}`.trim() + formats;
    })
    .join(', ');
}

/**
 * The facts of one event a person wants in a timeline, on one line: what was uploaded,
 * what was made and how big, and for a failure its code, stage, reason and whether a
 * redrive can help.
 */
export function eventFacts(entry: Pick<HistoryEntry, 'detailType' | 'data'>): string {
  const data: Data = isData(entry.data) ? entry.data : {};
  switch (entry.detailType) {
    case 'ImageUploaded': {
      const original: Data = isData(data['original']) ? data['original'] : {};
      return [str(original['filename']), str(data['format']), dims(data), size(original['size']), `renditions ${str(data['renditionsVersion']) ?? '?'}`]
        .filter(Boolean)
        .join(' ');
    }
    case 'ImageCompressed': {
      const variants = list(data['variants']).map((v) => `${str(v['format']) ?? '?'} ${size(v['size'])}`);
      const savings = num(data['savingsPercent']);
      // The set's large renditions (issue 13), when compress made any.
      const renditions = list(data['renditions']).length > 0 ? `; renditions ${renditionList(data)}` : '';
      return `${variants.join(', ')}${savings !== undefined ? `; ${savings.toFixed(1)}% saved` : ''}${renditions}`;
    }
    case 'ThumbnailsGenerated':
      return renditionList(data);
    case 'ImageProcessed': {
      const savings = num(data['savingsPercent']);
      const ms = num(data['processingTimeMs']);
      const thumbnails = isData(data['thumbnails']) ? Object.keys(data['thumbnails']).length : 0;
      return [
        `${size(data['originalSize'])} -> ${size(data['compressedSize'])}`,
        savings !== undefined ? `${savings.toFixed(1)}% saved` : undefined,
        `${thumbnails} rendition(s)`,
        ms !== undefined ? `${ms} ms` : undefined,
      ]
        .filter(Boolean)
        .join(', ');
    }
    case 'ImageProcessingFailed': {
      const retryable = data['retryable'] === true ? 'retryable' : 'not retryable';
      return `${str(data['code']) ?? '?'} at ${str(data['stage']) ?? '?'}: ${str(data['reason']) ?? ''} (${retryable})`;
    }
    case 'ImageDeleted':
      return `deleted ${str(data['deletedAt']) ?? ''}`.trim();
    default:
      return Object.keys(data).slice(0, 6).join(', ');
  }
}

/**
 * An image's history as a timeline: sequence, time, milliseconds since the first event,
 * detail-type, source and facts; then, for a failed image, its failure.
 */
export function formatEventHistory(imageId: string, image: ImageRecordView | null, history: readonly HistoryEntry[]): string {
  const first = history.length > 0 ? Date.parse(history[0]?.occurredAt ?? '') : NaN;
  const rows = history.map((entry) => {
    const offset = Date.parse(entry.occurredAt) - first;
    return [
      entry.sequence,
      entry.occurredAt,
      Number.isFinite(offset) ? `+${offset}` : '',
      entry.detailType,
      entry.source,
      eventFacts(entry),
    ];
  });
  const status = image?.status ?? 'not recorded';
  const header = `image ${imageId}${image?.userId ? ` (user ${image.userId})` : ''}: ${status}, ${history.length} event(s)`;
  const failure = image?.status === 'failed' && image.failure ? `\nfailed: ${image.failure.code} at ${image.failure.stage}: ${image.failure.reason}` : '';
  return `${header}\n\n${formatTable(['seq', 'time', 'ms', 'detail-type', 'source', 'facts'], rows)}${failure}`;
}
