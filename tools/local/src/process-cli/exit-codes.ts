import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';

/**
 * The exit codes of `imgpipe` and of `npm start`, one table: the code each name stands for
 * and the sentence the help prints for it ({@link EXIT_CODES_HELP}), so the help cannot say
 * one code while the program returns another.
 */
export const EXIT_CODES = [
  { name: 'OK', code: 0, meaning: 'done, nothing failed' },
  { name: 'FAILED', code: 1, meaning: 'some of the work failed (an image failed, was refused or timed out; listed on stderr)' },
  { name: 'USAGE', code: 2, meaning: 'bad command line (unknown command or option, missing or bad value)' },
  { name: 'UNAVAILABLE', code: 3, meaning: 'nothing to run against (no such file or folder, no image in it, no runtime reachable or startable, AWS refused)' },
] as const;

type ExitName = (typeof EXIT_CODES)[number]['name'];

/** `EXIT.OK` ... `EXIT.UNAVAILABLE`: the codes by name. */
export const EXIT = Object.fromEntries(EXIT_CODES.map((e) => [e.name, e.code])) as { readonly [E in (typeof EXIT_CODES)[number] as E['name']]: E['code'] };
export type ExitCode = (typeof EXIT_CODES)[number]['code'];

/** The exit-code paragraph of every usage text. */
export const EXIT_CODES_HELP = `exit codes:\n${EXIT_CODES.map((e) => `  ${e.code}  ${e.meaning}`).join('\n')}`;

/** Base error of the command lines (imgpipe's one error base): carries the exit code its command ends with; `code` names it. */
export class CliError extends ImgpipeError<ExitName> {
  override readonly name: string = 'CliError';
  readonly exitCode: ExitCode;

  constructor(options: { readonly exitCode: ExitCode; readonly message: string; readonly retryable?: boolean; readonly cause?: unknown }) {
    const name = (EXIT_CODES.find((e) => e.code === options.exitCode) as (typeof EXIT_CODES)[number]).name;
    super({ code: name, message: options.message, retryable: options.retryable, cause: options.cause });
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

/** Something the command needs is not there or refused: a file, a runtime, AWS. */
export class UnavailableError extends CliError {
  override readonly name = 'UnavailableError';
  constructor(message: string, options?: ErrorOptions) {
    super({ exitCode: EXIT.UNAVAILABLE, message, cause: options?.cause });
  }
}
