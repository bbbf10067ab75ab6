import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';

/** The bench's sections, in the order they run. */
export const SECTIONS = ['photos', 'latency', 'effort', 'throughput', 'quality', 'front', 'avif', 'gallery'] as const;
export type Section = (typeof SECTIONS)[number];

/** How many times each measurement repeats. */
export interface Repetitions {
  /** Runs of each operation on the ~13 MP JPEG. */
  readonly thirteen: number;
  /** Runs of each operation on the ~24 MP photo. */
  readonly large: number;
  /** Runs of each WebP effort on the ~13 MP JPEG. */
  readonly effort: number;
  /** Passes over the mixed set per throughput scenario. */
  readonly passes: number;
  /** Photos of the mixed set used; all when undefined. */
  readonly mixedLimit: number | undefined;
}

/** Parsed command line. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly sections: readonly Section[];
  readonly reps: Repetitions;
  /** libvips threads per image for sharp; image-ops' default when undefined. */
  readonly sharpThreads: number | undefined;
  readonly cacheDir: string | undefined;
  readonly help: boolean;
}

/** Repetitions of a full run: a few minutes on 2 cores. */
export const FULL_REPS: Repetitions = { thirteen: 3, large: 2, effort: 3, passes: 1, mixedLimit: undefined };
/** Repetitions of `--quick`: one of everything on the three smallest photos, to see that it all works. */
export const QUICK_REPS: Repetitions = { thirteen: 1, large: 1, effort: 1, passes: 1, mixedLimit: 3 };

export const USAGE = `usage: npm run bench -- [--quick] [--only <section>[,<section>...]] [--sharp-threads N] [--cache-dir DIR]
  --quick          one repetition of everything on 3 photos (a smoke run)
  --only           run only these sections: ${SECTIONS.join(', ')} (photos always runs)
  --passes N       passes over the mixed set per throughput scenario (default ${FULL_REPS.passes})
  --sharp-threads  libvips threads per image (default: image-ops' default, every core)
  --cache-dir      where photos and last.json go (default: .cache/bench in the repository)`;

/** A command line the bench cannot run; the message says why. */
export class UsageError extends ImgpipeError<'USAGE'> {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super({ code: 'USAGE', message });
  }
}

const positiveInt = (flag: string, value: string | undefined): number => {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} takes a whole number >= 1`);
  return n;
};

/**
 * Parses the bench's arguments (`process.argv.slice(2)`).
 *
 * @throws UsageError for an unknown flag, a missing value or an unknown section.
 */
export function parseArgs(argv: readonly string[]): BenchOptions {
  let quick = false;
  let help = false;
  let only: Section[] | undefined;
  let sharpThreads: number | undefined;
  let cacheDir: string | undefined;
  let passes: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? (arg.split(/=(.*)/s) as [string, string]) : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      case '--only': {
        const names = (value() ?? '').split(',').filter((s) => s.length > 0);
        if (names.length === 0) throw new UsageError(`--only takes one of ${SECTIONS.join(', ')}`);
        for (const name of names) {
          if (!(SECTIONS as readonly string[]).includes(name)) {
            throw new UsageError(`unknown section "${name}"; choose from ${SECTIONS.join(', ')}`);
          }
        }
        only = [...(only ?? []), ...(names as Section[])];
        break;
      }
      case '--passes':
        passes = positiveInt('--passes', value());
        break;
      case '--sharp-threads':
        sharpThreads = positiveInt('--sharp-threads', value());
        break;
      case '--cache-dir': {
        const dir = value();
        if (!dir) throw new UsageError('--cache-dir takes a directory');
        cacheDir = dir;
        break;
      }
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  const sections = only ? SECTIONS.filter((s) => s === 'photos' || only?.includes(s)) : [...SECTIONS];
  const reps = quick ? QUICK_REPS : FULL_REPS;
  return { quick, sections, reps: passes === undefined ? reps : { ...reps, passes }, sharpThreads, cacheDir, help };
}
