import { FULL_REPS, parseArgs, QUICK_REPS, UsageError } from './cli-args';

describe('parseArgs', () => {
  it('runs every section at full repetitions by default', () => {
    const options = parseArgs([]);

    expect(options.sections).toEqual(['photos', 'latency', 'effort', 'throughput', 'quality', 'front', 'avif', 'gallery']);
    expect(options.reps).toEqual(FULL_REPS);
    expect(options.quick).toBe(false);
    expect(options.sharpThreads).toBeUndefined();
  });

  it('cuts repetitions with --quick', () => {
    expect(parseArgs(['--quick']).reps).toEqual(QUICK_REPS);
  });

  it('keeps the photos section and the order of sections whatever --only lists', () => {
    expect(parseArgs(['--only', 'throughput,effort']).sections).toEqual(['photos', 'effort', 'throughput']);
    expect(parseArgs(['--only=latency']).sections).toEqual(['photos', 'latency']);
  });

  it('takes the number of throughput passes from --passes, quick or not', () => {
    expect(parseArgs(['--passes', '3']).reps).toEqual({ ...FULL_REPS, passes: 3 });
    expect(parseArgs(['--quick', '--passes=2']).reps.passes).toBe(2);
  });

  it('reads --sharp-threads and --cache-dir', () => {
    const options = parseArgs(['--sharp-threads', '1', '--cache-dir=/tmp/b']);

    expect(options.sharpThreads).toBe(1);
    expect(options.cacheDir).toBe('/tmp/b');
  });

  it.each([[['--only', 'nope']], [['--only']], [['--passes', 'x']], [['--sharp-threads', '0']], [['--fast']], [['--cache-dir']]])(
    'refuses %p',
    (argv) => {
      expect(() => parseArgs(argv)).toThrow(UsageError);
    },
  );
});
