import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A value that starts with a dash and a digit: a relative time (`-1d`, `-30m`) or a negative number. */
const DASHED_VALUE = /^-\d/;

/**
 * Joins `--option -1d` into `--option=-1d` for every option of `options` that takes a value,
 * when the next argument starts with a dash and a digit: `util.parseArgs` would otherwise
 * refuse it as "argument is ambiguous" (it looks like an option). Anything else, and
 * everything after a `--` terminator, is left as it is, so a forgotten value
 * (`--from --to now`) is still an error.
 */
export function joinDashedValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && DASHED_VALUE.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * `util.parseArgs` for the command lines of `npm start` and the `imgpipe` CLI: the same
 * config and result, except that an option's value may start with a dash and a digit
 * (`--from -1d`, as the README writes it) without the `=`.
 *
 * @example
 * const { values } = parseCommandLineArgs({ args: ['--from', '-1d'], options: { from: { type: 'string' } } });
 * // values.from === '-1d'
 */
export function parseCommandLineArgs<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const args = config.args ?? process.argv.slice(2);
  // Only `args` changes, and the result's type does not depend on it.
  return parseArgs({ ...config, args: joinDashedValues(args, config.options ?? {}) }) as ReturnType<typeof parseArgs<T>>;
}
