import type { ImageResult, ProcessProgress } from './image-result';
import type { OutputStream } from './io';

/** `[#####-----]`: `fraction` (0..1) of `width` cells filled. */
export function progressBar(fraction: number, width: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** The terminal's one progress line: bar, done/total, failures, uploads (through a runtime), elapsed time. */
export function progressLine(progress: ProcessProgress, elapsedMs: number, columns = 80): string {
  // A pseudo-terminal may report 0 columns.
  const width = columns > 20 ? columns : 80;
  const done = progress.processed + progress.failed;
  const counts =
    ` ${done}/${progress.total} done` +
    (progress.failed > 0 ? ` (${progress.failed} failed)` : '') +
    (progress.uploaded !== undefined ? ` | uploaded ${progress.uploaded}/${progress.total}` : '') +
    ` | ${(elapsedMs / 1000).toFixed(1)} s`;
  const barWidth = Math.max(10, Math.min(30, width - counts.length - 3));
  const line = `${progressBar(progress.total > 0 ? done / progress.total : 1, barWidth)}${counts}`;
  return line.length > width - 1 ? line.slice(0, width - 1) : line;
}

/** The line a non-terminal prints when an image ends. */
export function resultLine(result: ImageResult, progress: ProcessProgress): string {
  const done = progress.processed + progress.failed;
  const width = String(progress.total).length;
  const position = `[${String(done).padStart(width)}/${progress.total}]`;
  if (result.status === 'processed') return `${position} processed ${result.file} (${result.ms} ms)`;
  return `${position} ${result.status} ${result.file}: ${result.failure?.code ?? ''} ${result.failure?.reason ?? ''}`.trimEnd();
}

/**
 * Progress on stderr: on a terminal, one line redrawn in place as counts change; elsewhere
 * (a pipe, CI, a file) one line per image as it ends.
 */
export class ProgressReporter {
  private readonly started = performance.now();
  private drawn = false;
  private last: ProcessProgress | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly stream: OutputStream) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  update(progress: ProcessProgress): void {
    if (!this.tty) return;
    this.last = progress;
    this.draw();
    // The elapsed time moves on between changes.
    this.ticker ??= setInterval(() => this.draw(), 500).unref();
  }

  private draw(): void {
    if (!this.last) return;
    this.stream.write(`\r\x1b[2K${progressLine(this.last, performance.now() - this.started, this.stream.columns ?? 80)}`);
    this.drawn = true;
  }

  imageDone(result: ImageResult, progress: ProcessProgress): void {
    if (!this.tty) this.stream.write(`${resultLine(result, progress)}\n`);
  }

  /** Ends the redrawn line, so what follows starts on its own line. */
  finish(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
