import type { ParseArgsConfig } from 'node:util';
import { parseCommandLineArgs } from '@imgpipe/local/command-line';
import { UsageError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `util.parseArgs` in strict mode, with its errors (unknown option, missing value, stray
 * positional) turned into a {@link UsageError}. `--from -2h` works as `--from=-2h` does
 * (the local runtime's `parseCommandLineArgs`, shared with `npm start`).
 */
export function parseCommandLine<const O extends Options>(argv: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseCommandLineArgs({ args: [...argv], options, allowPositionals, strict: true });
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
