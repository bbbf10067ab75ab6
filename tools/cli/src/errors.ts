/**
 * The exit codes and errors of every `imgpipe` command: the one table and error classes
 * `npm start` uses too (`@imgpipe/local/process-cli`), so both command lines document and
 * return the same codes.
 * - `OK` (0): done, nothing failed.
 * - `FAILED` (1): the command ran, and some of its work failed: an image failed or timed
 *   out, a replay or message move ended FAILED or CANCELLED, an image is unknown, a
 *   redriven image failed again.
 * - `USAGE` (2): the command line is wrong (unknown command or option, missing or bad value).
 * - `UNAVAILABLE` (3): the command could not do its work: no such file or folder (or no image
 *   in it), no runtime could be reached or started, AWS refused a call, a stack output is missing.
 */
export { EXIT, EXIT_CODES, EXIT_CODES_HELP, CliError, UsageError, UnavailableError, type ExitCode } from '@imgpipe/local/process-cli';
