import { parseArgs, type ParseArgsConfig } from 'node:util';
import { suggestion } from './process-cli/did-you-mean';
import { UsageError } from './process-cli/exit-codes';

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
 * The first option of `argv` that `options` does not declare (`--jsn`, `--jsn=1`, `-x`),
 * before any `--` terminator, or `undefined`. An option's value is skipped, so a value that
 * looks like an option is not mistaken for one.
 */
export function unknownOption(argv: readonly string[], options: Options): string | undefined {
  const shorts = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') return undefined;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0] as string;
      const option = options[name];
      if (!option) return `--${name}`;
      if (option.type === 'string' && !arg.includes('=')) i += 1;
    } else if (arg.startsWith('-') && arg.length > 1 && !DASHED_VALUE.test(arg)) {
      const name = shorts.get(arg.slice(1, 2));
      if (name === undefined) return arg.slice(0, 2);
      if (options[name]?.type === 'string' && arg.length === 2) i += 1;
    }
  }
  return undefined;
}

/**
 * `util.parseArgs` for the command lines of `npm start` and the `imgpipe` CLI: the same
 * config and result, except that an option's value may start with a dash and a digit
 * (`--from -1d`, as the README writes it) without the `=`, and that an unknown option is a
 * {@link UsageError} (exit 2) that suggests the option it resembles (`--jsn`: did you mean
 * `--json`?) instead of Node's raw parser message.
 *
 * @example
 * const { values } = parseCommandLineArgs({ args: ['--from', '-1d'], options: { from: { type: 'string' } } });
 * // values.from === '-1d'
 */
export function parseCommandLineArgs<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const args = config.args ?? process.argv.slice(2);
  const options = config.options ?? {};
  if (config.strict !== false) {
    const unknown = unknownOption(args, options);
    if (unknown !== undefined) {
      const names = Object.keys(options);
      const bare = unknown.replace(/^-+/, '');
      throw new UsageError(`unknown option ${unknown}${suggestion(bare, names, (name) => `--${name}`)}`);
    }
  }
  // Only `args` changes, and the result's type does not depend on it.
  return parseArgs({ ...config, args: joinDashedValues(args, options) }) as ReturnType<typeof parseArgs<T>>;
}
