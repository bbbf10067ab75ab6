import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Joins `--option -2h` into `--option=-2h` for options that take a value, when the value
 * starts with a dash and a digit (a relative time, a negative number): `parseArgs` would
 * take it for an option.
 */
function joinDashedValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * `util.parseArgs` in strict mode, with its errors (unknown option, missing value, stray
 * positional) turned into a {@link UsageError}. `--from -2h` works as `--from=-2h` does.
 */
export function parseCommandLine<const O extends Options>(argv: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: joinDashedValues(argv, options), options, allowPositionals, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
}

/** A whole number from 1 to `max`, from the option `--name`. */
export function positiveInteger(name: string, value: string | undefined, fallback: number, max = 1024): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${value}"`);
  }
  return Number(value);
}

/** A duration in seconds (decimals allowed, over 0), from the option `--name`, in ms. */
export function seconds(name: string, value: string | undefined, fallbackSeconds: number): number {
  if (value === undefined) return fallbackSeconds * 1000;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new UsageError(`--${name} must be a number of seconds over 0, got "${value}"`);
  }
  return Math.round(parsed * 1000);
}

/** One of `choices`, from the option `--name`. */
export function oneOf<const C extends readonly string[]>(name: string, value: string | undefined, choices: C, fallback: C[number]): C[number] {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  }
  return value as C[number];
}
