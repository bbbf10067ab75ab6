/** Where a command writes: stdout for results, stderr for progress and diagnostics. */
export interface OutputStream {
  write(text: string): unknown;
  /** A terminal: progress redraws one line instead of printing one a step. */
  readonly isTTY?: boolean;
  /** The terminal's width, when it is one. */
  readonly columns?: number;
}

/** What a command runs against; tests pass their own. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
