import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';

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

const CODE_OF_EXIT = { 0: 'OK', 1: 'FAILED', 2: 'USAGE', 3: 'UNAVAILABLE' } as const satisfies Record<ExitCode, keyof typeof EXIT>;

/** Base error of the CLI (imgpipe's one error base): carries the exit code its command ends with; `code` names it. */
export class CliError extends ImgpipeError<keyof typeof EXIT> {
  override readonly name: string = 'CliError';
  readonly exitCode: ExitCode;

  constructor(options: { readonly exitCode: ExitCode; readonly message: string; readonly retryable?: boolean; readonly cause?: unknown }) {
    super({ code: CODE_OF_EXIT[options.exitCode], message: options.message, retryable: options.retryable, cause: options.cause });
    this.exitCode = options.exitCode;
  }
}

/** A wrong command line; the command prints its usage after the message. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super({ exitCode: EXIT.USAGE, message });
  }
}

/** Something the command needs is not there or refused: a runtime, AWS, a file. */
export class UnavailableError extends CliError {
  override readonly name = 'UnavailableError';
  constructor(message: string, options?: ErrorOptions) {
    super({ exitCode: EXIT.UNAVAILABLE, message, cause: options?.cause });
  }
}
