/**
 * The exit codes of every `imgpipe` command.
 * - `OK` (0): done, nothing failed.
 * - `FAILED` (1): the command ran, and some of its work failed: an image failed or timed
 *   out, a replay or message move ended FAILED or CANCELLED, an image is unknown, a
 *   redriven image failed again.
 * - `USAGE` (2): the command line is wrong (unknown command or option, missing or bad value).
 * - `UNAVAILABLE` (3): the command could not do its work: no runtime could be reached or
 *   started, AWS refused a call, a file or stack output is missing.
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNAVAILABLE: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base error of the CLI: carries the exit code its command ends with. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A wrong command line; the command prints its usage after the message. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT.USAGE);
  }
}

/** Something the command needs is not there or refused: a runtime, AWS, a file. */
export class UnavailableError extends CliError {
  override readonly name = 'UnavailableError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT.UNAVAILABLE, options);
  }
}
