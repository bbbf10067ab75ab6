/**
 * The image work on the path to `ImageProcessed`, from when each image task actually ran: the
 * latency bench's overhead is the latency minus this. Pure: intervals in, lengths out.
 */
import { COMPRESS_DONE_MESSAGE } from '@imgpipe/compress';
import { THUMBNAIL_DONE_MESSAGE } from '@imgpipe/thumbnail';

/** One task's run, in ms on one clock (the log lines' wall clock). */
export interface TaskInterval {
  /** `compress`, `thumbnail`. */
  readonly task: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** What the intervals add up to on the path. */
export interface ImageWorkOnPath {
  /** Length of the intervals' union: the time some image task was running. */
  readonly workMs: number;
  /** The intervals' lengths added up (what the bench counted before it read the intervals). */
  readonly summedMs: number;
  /** `summedMs - workMs`: how long the tasks ran at the same time (0 when one waited for the other). */
  readonly overlapMs: number;
  /** Time between the first start and the last end that no task ran (hand-offs, the thumbnails-first wait). */
  readonly gapMs: number;
}

/**
 * The image work of one run on the path to `ImageProcessed`: the union of its image tasks'
 * intervals. Both branch tasks of the Parallel state lie on that path; locally a run's compress
 * starts once its thumbnail task ended (thumbnails first, `services/thumbnails-first.ts`), but at
 * most a second later, so a thumbnail task that runs past that bound overlaps compress, and the
 * sum of the two would count the shared time twice and understate the overhead.
 *
 * @throws RangeError for an interval that ends before it starts or is not finite.
 * @example
 * imageWorkOnPath([{ task: 'thumbnail', startMs: 0, endMs: 1500 }, { task: 'compress', startMs: 1000, endMs: 3000 }]);
 * // { workMs: 3000, summedMs: 3500, overlapMs: 500, gapMs: 0 }
 */
export function imageWorkOnPath(intervals: readonly TaskInterval[]): ImageWorkOnPath {
  for (const i of intervals) {
    if (!Number.isFinite(i.startMs) || !Number.isFinite(i.endMs) || i.endMs < i.startMs) {
      throw new RangeError(`imageWorkOnPath: the ${i.task} interval [${i.startMs}, ${i.endMs}] is not an interval`);
    }
  }
  const sorted = [...intervals].sort((a, b) => a.startMs - b.startMs);
  let workMs = 0;
  let current: { start: number; end: number } | undefined;
  for (const { startMs, endMs } of sorted) {
    if (current && startMs <= current.end) {
      current.end = Math.max(current.end, endMs);
      continue;
    }
    if (current) workMs += current.end - current.start;
    current = { start: startMs, end: endMs };
  }
  if (current) workMs += current.end - current.start;
  const summedMs = intervals.reduce((sum, i) => sum + (i.endMs - i.startMs), 0);
  const span = sorted.length === 0 ? 0 : Math.max(...sorted.map((i) => i.endMs)) - (sorted[0]?.startMs ?? 0);
  return { workMs, summedMs, overlapMs: summedMs - workMs, gapMs: span - workMs };
}

/**
 * The done line each image task writes (`createImageTaskHandler`, libs/image-ops/src/task.ts),
 * by task: the compositions' own messages.
 */
export const IMAGE_TASK_DONE_MESSAGES = { thumbnail: THUMBNAIL_DONE_MESSAGE, compress: COMPRESS_DONE_MESSAGE } as const;

/**
 * The image tasks' intervals of one image from the runtime's log (Powertools JSON lines): each
 * done line says when the task ended (`timestamp`) and how long its work took (`ms`), so it ran
 * over `[timestamp - ms, timestamp]`. The last line of each task wins (a retry's). Lines that are
 * not JSON, or of another image, are skipped.
 */
export function taskIntervalsFromLog(logText: string, imageId: string): TaskInterval[] {
  const found = new Map<string, TaskInterval>();
  for (const line of logText.split('\n')) {
    if (!line.includes(imageId)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const { message, timestamp, ms, imageId: lineImage } = (parsed ?? {}) as Record<string, unknown>;
    if (lineImage !== imageId || typeof timestamp !== 'string' || typeof ms !== 'number') continue;
    const task = (Object.keys(IMAGE_TASK_DONE_MESSAGES) as (keyof typeof IMAGE_TASK_DONE_MESSAGES)[]).find(
      (t) => IMAGE_TASK_DONE_MESSAGES[t] === message,
    );
    const endMs = Date.parse(timestamp);
    if (task === undefined || Number.isNaN(endMs)) continue;
    found.set(task, { task, startMs: endMs - ms, endMs });
  }
  return [...found.values()];
}
